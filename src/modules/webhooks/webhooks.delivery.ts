import type mysql from 'mysql2/promise';
import type { PgBoss } from 'pg-boss';
import { and, eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { emitEvent } from '../../platform/events/outbox.js';
import { OutboundError, postOnce } from '../../platform/http/outbound.js';
import type { Logger } from '../../platform/logging/logger.js';
import { raiseAlert } from '../alerts/index.js';
import { webhooks, type WebhookRow } from './webhooks.table.js';
import { webhookDisabled } from './webhooks.events.js';
import { verdictFor, type AttemptVerdict } from './webhooks.retry.js';
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

/** Where and how to send: an endpoint's URL and its sealed signing secrets, as its row holds them. */
export type SendTarget = Pick<WebhookRow, 'url' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>;

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

/**
 * Opened secrets by sealed value: every delivery to an endpoint signs with the same secret, and
 * opening (AES-GCM) per attempt cost more CPU than signing. A rotation seals a new value, so an
 * entry is never stale; the map is bounded and starts afresh when full.
 */
const opened = new Map<string, string>();
const MAX_OPENED = 10_000;
function open(secrets: SecretBox, sealed: string): string {
  let plain = opened.get(sealed);
  if (plain === undefined) {
    plain = secrets.open(sealed);
    if (opened.size >= MAX_OPENED) opened.clear();
    opened.set(sealed, plain);
  }
  return plain;
}

/** The secrets that sign now: the current one, and the previous one during a rotation. */
function signingSecrets(target: SendTarget, secrets: SecretBox, now: Date): string[] {
  const list: string[] = [];
  if (target.secret) list.push(open(secrets, target.secret));
  if (target.previousSecret && target.previousSecretExpiresAt && target.previousSecretExpiresAt > now) {
    list.push(open(secrets, target.previousSecret));
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
