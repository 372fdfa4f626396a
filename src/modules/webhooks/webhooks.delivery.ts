import type mysql from 'mysql2/promise';
import type { PgBoss } from 'pg-boss';
import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { emitEvent } from '../../platform/events/outbox.js';
import { OutboundError, postOnce } from '../../platform/http/outbound.js';
import type { Logger } from '../../platform/logging/logger.js';
import { sendJob } from '../../platform/queue/jobs.js';
import { raiseAlert } from '../alerts/index.js';
import { webhookDeliveries } from './webhook-deliveries.table.js';
import { webhookLogs } from './webhook-logs.table.js';
import { webhooks } from './webhooks.table.js';
import { webhookDisabled } from './webhooks.events.js';
import { deliverWebhookJob, endpointGroup } from './webhooks.jobs.js';
import { retryDelaySeconds, verdictFor, type AttemptVerdict } from './webhooks.retry.js';
import { LOGGED_BODY_BYTES, type WebhookSettings } from './webhooks.settings.js';
import { generateSigningSecret, signedHeaders } from './webhooks.signing.js';

export interface DeliveryDeps {
  db: Db;
  pool: mysql.Pool;
  boss: PgBoss;
  secrets: SecretBox;
  logger: Logger;
  settings: WebhookSettings;
  /** Called after an alert was raised (to e-mail it now rather than at the next sweep). */
  onAlert?: () => void;
}

/** Where and how to send: an endpoint's URL and its signing secrets, opened. */
export interface SendTarget {
  url: string;
  sealedSecret: string | null;
  sealedPreviousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

export interface OutgoingMessage {
  messageId: string;
  eventType: string;
  occurredAt: Date;
  payload: unknown;
}

/** What one attempt produced, as logged. */
export interface AttemptResult {
  statusCode: number | null;
  body: string | null;
  durationMs: number;
  error: string | null;
  verdict: AttemptVerdict;
}

/** Seals a new secret for storage; returns both forms (the plain one is shown once). */
export function newSealedSecret(secrets: SecretBox): { plain: string; sealed: string } {
  const plain = generateSigningSecret();
  return { plain, sealed: secrets.seal(plain) };
}

/** The body every receiver gets: the Standard Webhooks envelope. */
export function envelope(message: OutgoingMessage): string {
  return JSON.stringify({ type: message.eventType, timestamp: message.occurredAt.toISOString(), data: message.payload });
}

/** The secrets that sign now: the current one, and the previous one during a rotation. */
function signingSecrets(target: SendTarget, secrets: SecretBox, now: Date): string[] {
  const list: string[] = [];
  if (target.sealedSecret) list.push(secrets.open(target.sealedSecret));
  if (target.sealedPreviousSecret && target.previousSecretExpiresAt && target.previousSecretExpiresAt > now) {
    list.push(secrets.open(target.sealedPreviousSecret));
  }
  return list;
}

/** One signed POST; never throws for anything the receiver or the network does. */
export async function attemptOnce(target: SendTarget, message: OutgoingMessage, secrets: SecretBox, settings: WebhookSettings): Promise<AttemptResult> {
  const now = new Date();
  const body = envelope(message);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Trestle-Webhooks/1.0',
    ...signedHeaders(signingSecrets(target, secrets, now), message.messageId, Math.floor(now.getTime() / 1000), body),
  };
  try {
    const response = await postOnce(target.url, body, { policy: settings.policy, timeoutMs: settings.timeoutMs, maxBodyBytes: LOGGED_BODY_BYTES, headers });
    const retryAfter: string | undefined = response.headers['retry-after'];
    const verdict = verdictFor(response.status, retryAfter, new Date());
    const redirect = response.status >= 300 && response.status < 400 ? `redirect to ${String(response.headers.location ?? '?')} not followed` : null;
    return { statusCode: response.status, body: response.body, durationMs: response.durationMs, error: redirect, verdict };
  } catch (error) {
    const known = error instanceof OutboundError;
    return {
      statusCode: null,
      body: null,
      durationMs: known ? error.durationMs : Math.round(performance.now() - now.getTime()),
      error: known ? `${error.kind}: ${error.message}`.slice(0, 500) : 'internal error before sending',
      verdict: { kind: 'failure', retryAfterSeconds: null },
    };
  }
}

interface LoadedDelivery {
  organizationId: number;
  webhookId: number;
  target: SendTarget | null;
  isActive: boolean;
  message: OutgoingMessage;
}

/**
 * Takes a delivery for attempt `attempt + 1`: `claimed`; `stale` when that attempt was made
 * already (a duplicate job); or `leased` with the seconds left when another run holds it, which
 * is a job handed over from a worker that died mid-attempt before its lease ran out.
 */
async function claim(pool: mysql.Pool, deliveryId: number, attempt: number, leaseMs: number): Promise<{ kind: 'claimed' | 'stale' } | { kind: 'leased'; seconds: number }> {
  const [result] = await pool.query<mysql.ResultSetHeader>(
    `UPDATE webhook_deliveries SET status = 'delivering', lease_until = NOW(3) + INTERVAL ? SECOND
     WHERE id = ? AND attempt_count = ? AND (status = 'pending' OR (status = 'delivering' AND lease_until < NOW(3)))`,
    [Math.ceil(leaseMs / 1000), deliveryId, attempt],
  );
  if (result.affectedRows === 1) return { kind: 'claimed' };
  const [rows] = await pool.query<mysql.RowDataPacket[]>(
    `SELECT TIMESTAMPDIFF(SECOND, NOW(3), lease_until) AS seconds FROM webhook_deliveries
     WHERE id = ? AND attempt_count = ? AND status = 'delivering' AND lease_until >= NOW(3)`,
    [deliveryId, attempt],
  );
  return rows[0] ? { kind: 'leased', seconds: Number(rows[0]['seconds']) } : { kind: 'stale' };
}

async function load(pool: mysql.Pool, deliveryId: number): Promise<LoadedDelivery | null> {
  const [rows] = await pool.query<mysql.RowDataPacket[]>(
    `SELECT d.organization_id, d.webhook_id, w.id AS endpoint, w.url, w.secret, w.previous_secret, w.previous_secret_expires_at, w.is_active,
            e.message_id, e.event_type, e.payload, e.occurred_at
     FROM webhook_deliveries d
     JOIN outbox_events e ON e.id = d.event_id
     LEFT JOIN webhooks w ON w.id = d.webhook_id AND w.organization_id = d.organization_id
     WHERE d.id = ?`,
    [deliveryId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    organizationId: Number(row['organization_id']),
    webhookId: Number(row['webhook_id']),
    isActive: Boolean(row['is_active']),
    target:
      row['endpoint'] == null
        ? null
        : {
            url: String(row['url']),
            sealedSecret: (row['secret'] as string | null) ?? null,
            sealedPreviousSecret: (row['previous_secret'] as string | null) ?? null,
            previousSecretExpiresAt: (row['previous_secret_expires_at'] as Date | null) ?? null,
          },
    message: {
      messageId: String(row['message_id']),
      eventType: String(row['event_type']),
      occurredAt: row['occurred_at'] as Date,
      payload: typeof row['payload'] === 'string' ? JSON.parse(row['payload']) : row['payload'],
    },
  };
}

/**
 * Disables an endpoint, tells the organization's other endpoints and alerts its admins; inside
 * the caller's transaction. Returns whether it was active until now.
 */
export async function disableEndpoint(tx: DbOrTx, organizationId: number, webhookId: number, reason: string): Promise<boolean> {
  const [row] = await tx
    .select({ name: webhooks.name, url: webhooks.url, isActive: webhooks.isActive, failingSince: webhooks.failingSince, projectId: webhooks.projectId })
    .from(webhooks)
    .where(and(eq(webhooks.id, webhookId), eq(webhooks.organizationId, organizationId)))
    .for('update');
  if (!row || !row.isActive) return false;
  await tx
    .update(webhooks)
    .set({ isActive: false, disabledAt: new Date(), disabledReason: reason.slice(0, 500) })
    .where(eq(webhooks.id, webhookId));
  await emitEvent(
    tx,
    webhookDisabled,
    { webhookId: String(webhookId), name: row.name, url: row.url, reason, failingSince: row.failingSince?.toISOString() ?? null },
    { organizationId, projectId: row.projectId },
  );
  await raiseAlert(tx, {
    organizationId,
    kind: webhookDisabled.name,
    severity: 'critical',
    title: `Webhook "${row.name}" was disabled`,
    message: `Deliveries to ${row.url} stopped: ${reason}. Fix the receiver, enable the webhook again (updateWebhook isActive: true), then resend what it missed with recoverWebhook.`,
    subjectType: 'webhook',
    subjectId: webhookId,
  });
  return true;
}

/** How long a delivery stays claimed beyond the receiver's deadline, for recording the outcome. */
const LEASE_MARGIN_MS = 5_000;

/**
 * Runs attempt `attempt + 1` of a delivery, records it, and schedules the next one when it
 * failed. Returns false when the job was stale (another run already made this attempt).
 */
export async function runDelivery(deps: DeliveryDeps, deliveryId: number, attempt: number): Promise<boolean> {
  const { settings } = deps;
  const claimed = await claim(deps.pool, deliveryId, attempt, settings.timeoutMs + LEASE_MARGIN_MS);
  if (claimed.kind === 'stale') return false;
  const loaded = await load(deps.pool, deliveryId);
  if (claimed.kind === 'leased') {
    // Come back when the lease has run out; if the holder finished meanwhile, that run is stale.
    if (loaded) await sendJob(deps.boss, deliverWebhookJob, { deliveryId, attempt }, { startAfter: claimed.seconds + 1, group: endpointGroup(loaded.webhookId) });
    return false;
  }
  if (!loaded) return false;
  if (!loaded.target || !loaded.isActive) {
    await deps.db
      .update(webhookDeliveries)
      .set({ status: loaded.target ? 'failed' : 'cancelled', leaseUntil: null, lastError: loaded.target ? 'endpoint disabled' : 'endpoint deleted' })
      .where(eq(webhookDeliveries.id, deliveryId));
    return true;
  }

  const result = await attemptOnce(loaded.target, loaded.message, deps.secrets, settings);
  const made = attempt + 1;
  const now = new Date();
  let retryIn: number | null = null;
  let disabled = false;

  await deps.db.transaction(async (tx) => {
    await tx.insert(webhookLogs).values({
      organizationId: loaded.organizationId,
      webhookId: loaded.webhookId,
      deliveryId,
      messageId: loaded.message.messageId,
      event: loaded.message.eventType,
      attempt: made,
      success: result.verdict.kind === 'success',
      responseStatus: result.statusCode,
      responseBody: result.body,
      durationMs: result.durationMs,
      error: result.error,
      sentAt: now,
    });
    const done = { attemptCount: made, lastAttemptAt: now, lastStatusCode: result.statusCode, lastError: result.error, leaseUntil: null };
    const verdict = result.verdict;
    if (verdict.kind === 'success') {
      await tx.update(webhookDeliveries).set({ ...done, status: 'succeeded', nextAttemptAt: null }).where(eq(webhookDeliveries.id, deliveryId));
      await tx
        .update(webhooks)
        .set({ lastTriggeredAt: now, failureCount: 0, failingSince: null })
        .where(eq(webhooks.id, loaded.webhookId));
      return;
    }
    if (verdict.kind === 'gone') {
      await tx.update(webhookDeliveries).set({ ...done, status: 'failed', nextAttemptAt: null }).where(eq(webhookDeliveries.id, deliveryId));
      await tx.update(webhooks).set({ lastTriggeredAt: now, failureCount: sql`${webhooks.failureCount} + 1` }).where(eq(webhooks.id, loaded.webhookId));
      disabled = await disableEndpoint(tx, loaded.organizationId, loaded.webhookId, 'the endpoint answered 410 Gone');
      return;
    }
    await tx
      .update(webhooks)
      .set({ lastTriggeredAt: now, failureCount: sql`${webhooks.failureCount} + 1`, failingSince: sql`COALESCE(${webhooks.failingSince}, ${now})` })
      .where(eq(webhooks.id, loaded.webhookId));
    const [endpoint] = await tx.select({ failingSince: webhooks.failingSince }).from(webhooks).where(eq(webhooks.id, loaded.webhookId));
    const failingFor = endpoint?.failingSince ? (now.getTime() - endpoint.failingSince.getTime()) / 1000 : 0;
    if (failingFor >= settings.disableAfterSeconds) {
      await tx.update(webhookDeliveries).set({ ...done, status: 'failed', nextAttemptAt: null }).where(eq(webhookDeliveries.id, deliveryId));
      disabled = await disableEndpoint(tx, loaded.organizationId, loaded.webhookId, `every attempt failed for ${Math.round(failingFor / 3600)} hours`);
      return;
    }
    retryIn = retryDelaySeconds(settings.schedule, made + 1, verdict.retryAfterSeconds);
    await tx
      .update(webhookDeliveries)
      .set(retryIn === null ? { ...done, status: 'failed', nextAttemptAt: null } : { ...done, status: 'pending', nextAttemptAt: new Date(now.getTime() + retryIn * 1000) })
      .where(eq(webhookDeliveries.id, deliveryId));
  });

  if (disabled) deps.onAlert?.();
  if (retryIn !== null) {
    // Lost if this process dies right here: the sweeper re-sends overdue deliveries.
    await sendJob(deps.boss, deliverWebhookJob, { deliveryId, attempt: made }, { startAfter: retryIn, group: endpointGroup(loaded.webhookId) });
  }
  return true;
}
