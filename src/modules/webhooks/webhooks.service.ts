import { and, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { BadInputError, NotFoundError } from '../../platform/errors/app-error.js';
import { emitEvent } from '../../platform/events/outbox.js';
import { outboxEvents } from '../../platform/events/outbox-events.table.js';
import { urlProblem } from '../../platform/http/outbound.js';
import type { Page } from '../../platform/graphql/pagination.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { projects } from '../organizations/index.js';
import { webhookDeliveries, type WebhookDeliveryRow } from './webhook-deliveries.table.js';
import { webhookLogs, type WebhookLogRow } from './webhook-logs.table.js';
import { RECORD_EVENT_MODES, webhooks, type RecordEventMode, type WebhookRow } from './webhooks.table.js';
import { subscribed, unknownSubscriptions } from './webhooks.catalog.js';
import { attemptOnce, newSealedSecret } from './webhooks.delivery.js';
import { webhookTest } from './webhooks.events.js';
import { sendDeliveries } from './webhooks.relay.js';
import type { WebhookSettings } from './webhooks.settings.js';
import {
  DeliveryInFlightError,
  UnknownEventTypesError,
  WebhookDisabledError,
  WebhookMessageNotFoundError,
  WebhookNotFoundError,
  WebhookUrlError,
} from './webhooks.errors.js';

export interface WebhookDeps {
  db: Db;
  boss: PgBoss;
  secrets: SecretBox;
  settings: WebhookSettings;
}

export interface WebhookInput {
  name?: string | undefined;
  url?: string | undefined;
  events?: string[] | undefined;
  projectId?: number | null | undefined;
  isActive?: boolean | undefined;
  /** null clears the limit. */
  maxPerSecond?: number | null | undefined;
  recordEvents?: RecordEventMode | undefined;
}

const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;
const MAX_EVENTS = 100;

function checkInput(input: WebhookInput, settings: WebhookSettings): void {
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (!name || name.length > 255) throw new BadInputError('name must be 1 to 255 characters', { field: 'name' });
  }
  if (input.url !== undefined) {
    if (input.url.length > 1000) throw new WebhookUrlError('must be at most 1000 characters');
    const problem = urlProblem(input.url, settings.policy);
    if (problem) throw new WebhookUrlError(problem);
  }
  if (input.maxPerSecond !== undefined && input.maxPerSecond !== null && (!Number.isInteger(input.maxPerSecond) || input.maxPerSecond < 1 || input.maxPerSecond > 10_000)) {
    throw new BadInputError('maxDeliveriesPerSecond must be an integer from 1 to 10000, or null for no limit', { field: 'maxDeliveriesPerSecond' });
  }
  if (input.recordEvents !== undefined && !RECORD_EVENT_MODES.includes(input.recordEvents)) {
    throw new BadInputError(`recordEvents must be one of ${RECORD_EVENT_MODES.join(', ')}`, { field: 'recordEvents' });
  }
  if (input.events !== undefined) {
    if (input.events.length === 0 || input.events.length > MAX_EVENTS) {
      throw new BadInputError(`events must list 1 to ${MAX_EVENTS} event types or patterns`, { field: 'events' });
    }
    const unknown = unknownSubscriptions(input.events);
    if (unknown.length) throw new UnknownEventTypesError(unknown);
  }
}

/**
 * A project the endpoint may be scoped to: one of the organization's, else NOT_FOUND (the same
 * answer for another organization's project as for none, so ids of others are not confirmed).
 * (Projects are archived, never deleted, so the check holds when the caller's transaction commits.)
 */
async function checkProject(tx: DbOrTx, organizationId: number, projectId: number | null | undefined): Promise<void> {
  if (projectId === null || projectId === undefined) return;
  const [row] = await tx
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.id, projectId), eq(projects.organizationId, organizationId)));
  if (!row) throw new NotFoundError('Project', projectId);
}

async function owned(db: DbOrTx, organizationId: number, id: number, forUpdate = false): Promise<WebhookRow> {
  const query = db.select().from(webhooks).where(and(eq(webhooks.id, id), eq(webhooks.organizationId, organizationId)));
  const [row] = forUpdate ? await query.for('update') : await query;
  if (!row) throw new WebhookNotFoundError(id);
  return row;
}

export async function listWebhooks(db: Db, organizationId: number, page: Page): Promise<WebhookRow[]> {
  const conditions: SQL[] = [eq(webhooks.organizationId, organizationId)];
  if (page.beforeId !== null) conditions.push(lt(webhooks.id, page.beforeId));
  return db.select().from(webhooks).where(and(...conditions)).orderBy(desc(webhooks.id)).limit(page.limit + 1);
}

export function getWebhook(db: Db, organizationId: number, id: number): Promise<WebhookRow> {
  return owned(db, organizationId, id);
}

export interface WebhookWithSecret {
  webhook: WebhookRow;
  /** Shown once. */
  secret: string;
  audit: AuditEventRow[];
}

export async function createWebhook(
  deps: WebhookDeps,
  actor: Actor,
  organizationId: number,
  input: { name: string; url: string; events: string[]; projectId?: number | null | undefined; maxPerSecond?: number | null | undefined; recordEvents?: RecordEventMode | undefined },
): Promise<WebhookWithSecret> {
  checkInput(input, deps.settings);
  const secret = newSealedSecret(deps.secrets);
  return deps.db.transaction(async (tx) => {
    await checkProject(tx, organizationId, input.projectId);
    const [result] = await tx.insert(webhooks).values({
      organizationId,
      projectId: input.projectId ?? null,
      name: input.name.trim(),
      url: input.url,
      events: [...new Set(input.events)],
      secret: secret.sealed,
      maxPerSecond: input.maxPerSecond ?? null,
      recordEvents: input.recordEvents ?? 'batch',
    });
    const [webhook] = await tx.select().from(webhooks).where(eq(webhooks.id, result.insertId));
    const audit = await recordAudit(tx, actor, { organizationId, action: 'webhook.created', targetType: 'webhook', targetId: String(result.insertId), metadata: { url: input.url, events: input.events, recordEvents: input.recordEvents ?? 'batch' } });
    return { webhook: webhook!, secret: secret.plain, audit: [audit] };
  });
}

export async function updateWebhook(deps: WebhookDeps, actor: Actor, organizationId: number, id: number, input: WebhookInput): Promise<{ webhook: WebhookRow; audit: AuditEventRow[] }> {
  checkInput(input, deps.settings);
  return deps.db.transaction(async (tx) => {
    const current = await owned(tx, organizationId, id, true);
    await checkProject(tx, organizationId, input.projectId);
    const changes: Partial<WebhookRow> = {};
    if (input.name !== undefined) changes.name = input.name.trim();
    if (input.url !== undefined) changes.url = input.url;
    if (input.events !== undefined) changes.events = [...new Set(input.events)];
    if (input.projectId !== undefined) changes.projectId = input.projectId;
    if (input.maxPerSecond !== undefined) changes.maxPerSecond = input.maxPerSecond;
    if (input.recordEvents !== undefined) changes.recordEvents = input.recordEvents;
    if (input.isActive !== undefined && input.isActive !== current.isActive) {
      changes.isActive = input.isActive;
      // Enabling starts afresh: the failure run that disabled it is over.
      if (input.isActive) Object.assign(changes, { disabledAt: null, disabledReason: null, failingSince: null, failureCount: 0 });
    }
    if (Object.keys(changes).length) await tx.update(webhooks).set(changes).where(eq(webhooks.id, id));
    const audit = await recordAudit(tx, actor, { organizationId, action: 'webhook.updated', targetType: 'webhook', targetId: String(id), metadata: { fields: Object.keys(changes) } });
    const [webhook] = await tx.select().from(webhooks).where(eq(webhooks.id, id));
    return { webhook: webhook!, audit: [audit] };
  });
}

/** Deletes the endpoint; its pending deliveries are cancelled when their job runs. Logs stay. */
export async function deleteWebhook(deps: WebhookDeps, actor: Actor, organizationId: number, id: number): Promise<AuditEventRow[]> {
  return deps.db.transaction(async (tx) => {
    await owned(tx, organizationId, id, true);
    await tx.delete(webhooks).where(eq(webhooks.id, id));
    await tx
      .update(webhookDeliveries)
      .set({ status: 'cancelled', nextAttemptAt: null })
      .where(and(eq(webhookDeliveries.webhookId, id), eq(webhookDeliveries.status, 'pending')));
    return [await recordAudit(tx, actor, { organizationId, action: 'webhook.deleted', targetType: 'webhook', targetId: String(id) })];
  });
}

/** A new secret; the old one keeps signing (both signatures are sent) for `overlapSeconds`. */
export async function rotateWebhookSecret(deps: WebhookDeps, actor: Actor, organizationId: number, id: number, overlapSeconds: number): Promise<WebhookWithSecret> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
    throw new BadInputError(`overlapSeconds must be between 0 and ${MAX_OVERLAP_SECONDS}`, { field: 'overlapSeconds' });
  }
  const secret = newSealedSecret(deps.secrets);
  return deps.db.transaction(async (tx) => {
    const current = await owned(tx, organizationId, id, true);
    await tx
      .update(webhooks)
      .set({
        secret: secret.sealed,
        previousSecret: overlapSeconds > 0 ? current.secret : null,
        previousSecretExpiresAt: overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000) : null,
      })
      .where(eq(webhooks.id, id));
    const audit = await recordAudit(tx, actor, { organizationId, action: 'webhook.secret_rotated', targetType: 'webhook', targetId: String(id), metadata: { overlapSeconds } });
    const [webhook] = await tx.select().from(webhooks).where(eq(webhooks.id, id));
    return { webhook: webhook!, secret: secret.plain, audit: [audit] };
  });
}

/**
 * Sends `webhook.test` to one endpoint now, in this request, and returns the logged attempt.
 * Test sends are not retried and do not count towards disabling the endpoint.
 */
export async function testWebhook(deps: WebhookDeps, organizationId: number, id: number): Promise<WebhookLogRow> {
  const webhook = await owned(deps.db, organizationId, id);
  const { event, deliveryId } = await deps.db.transaction(async (tx) => {
    const emitted = await emitEvent(tx, webhookTest, { webhookId: String(id), message: 'Test delivery from Trestle' }, { organizationId, targetWebhookId: id });
    // Dispatched already: this request delivers it, not the relay.
    await tx.update(outboxEvents).set({ dispatchedAt: new Date() }).where(eq(outboxEvents.id, emitted.id));
    const [created] = await tx.insert(webhookDeliveries).values({ organizationId, webhookId: id, eventId: emitted.id, status: 'delivering' });
    const [row] = await tx.select().from(outboxEvents).where(eq(outboxEvents.id, emitted.id));
    return { event: row!, deliveryId: created.insertId };
  });
  const result = await attemptOnce(
    webhook,
    { messageId: event.messageId, eventType: event.eventType, occurredAt: event.occurredAt, payload: event.payload },
    deps.secrets,
    deps.settings,
  );
  const success = result.verdict.kind === 'success';
  const sentAt = new Date();
  return deps.db.transaction(async (tx) => {
    const [inserted] = await tx.insert(webhookLogs).values({
      organizationId,
      webhookId: id,
      deliveryId,
      messageId: event.messageId,
      event: event.eventType,
      attempt: 1,
      success,
      responseStatus: result.statusCode,
      responseBody: result.body,
      durationMs: result.durationMs,
      error: result.error,
      sentAt,
    });
    await tx
      .update(webhookDeliveries)
      .set({ status: success ? 'succeeded' : 'failed', attemptCount: 1, lastAttemptAt: sentAt, lastStatusCode: result.statusCode, lastError: result.error })
      .where(eq(webhookDeliveries.id, deliveryId));
    const [log] = await tx.select().from(webhookLogs).where(eq(webhookLogs.id, inserted.insertId));
    return log!;
  });
}

export interface LogFilter {
  messageId?: string | undefined;
  success?: boolean | undefined;
}

export async function listWebhookLogs(db: Db, organizationId: number, webhookId: number, page: Page, filter: LogFilter = {}): Promise<WebhookLogRow[]> {
  await owned(db, organizationId, webhookId);
  const conditions: SQL[] = [eq(webhookLogs.organizationId, organizationId), eq(webhookLogs.webhookId, webhookId)];
  if (filter.messageId !== undefined) conditions.push(eq(webhookLogs.messageId, filter.messageId));
  if (filter.success !== undefined) conditions.push(eq(webhookLogs.success, filter.success));
  if (page.beforeId !== null) conditions.push(lt(webhookLogs.id, page.beforeId));
  return db.select().from(webhookLogs).where(and(...conditions)).orderBy(desc(webhookLogs.id)).limit(page.limit + 1);
}

/** The payloads of logged attempts, by message id (kept once, with the event). */
export async function payloadsOf(db: Db, organizationId: number, messageIds: string[]): Promise<Map<string, unknown>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db
    .select({ messageId: outboxEvents.messageId, payload: outboxEvents.payload })
    .from(outboxEvents)
    .where(and(eq(outboxEvents.organizationId, organizationId), inArray(outboxEvents.messageId, [...new Set(messageIds)])));
  return new Map(rows.map((r) => [r.messageId, r.payload]));
}

/** Sends a message to an endpoint again, whatever became of it before; returns the delivery. */
export async function redeliverMessage(deps: WebhookDeps, organizationId: number, webhookId: number, messageId: string): Promise<WebhookDeliveryRow> {
  const webhook = await owned(deps.db, organizationId, webhookId);
  if (!webhook.isActive) throw new WebhookDisabledError(webhookId);
  const delivery = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ delivery: webhookDeliveries })
      .from(webhookDeliveries)
      .innerJoin(outboxEvents, eq(outboxEvents.id, webhookDeliveries.eventId))
      .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.organizationId, organizationId), eq(outboxEvents.messageId, messageId)))
      .for('update');
    if (!row) throw new WebhookMessageNotFoundError(messageId);
    if (row.delivery.status === 'delivering') throw new DeliveryInFlightError(messageId);
    await tx.update(webhookDeliveries).set({ status: 'pending', nextAttemptAt: new Date(), lastError: null }).where(eq(webhookDeliveries.id, row.delivery.id));
    const [updated] = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, row.delivery.id));
    return updated!;
  });
  await sendDeliveries(deps.boss, [{ deliveryId: delivery.id, webhookId, attempt: delivery.attemptCount }]);
  return delivery;
}

/** Re-sends every delivery to the endpoint that failed since `since`; returns how many. */
export async function recoverWebhook(deps: WebhookDeps, organizationId: number, webhookId: number, since: Date): Promise<number> {
  const webhook = await owned(deps.db, organizationId, webhookId);
  if (!webhook.isActive) throw new WebhookDisabledError(webhookId);
  if (since.getTime() > Date.now()) throw new BadInputError('since must be in the past', { field: 'since' });
  const failed = await deps.db
    .select({ id: webhookDeliveries.id, attemptCount: webhookDeliveries.attemptCount })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.organizationId, organizationId), eq(webhookDeliveries.status, 'failed'), gte(webhookDeliveries.createdAt, since)));
  const requeued: typeof failed = [];
  for (let i = 0; i < failed.length; i += 1000) {
    const ids = failed.slice(i, i + 1000).map((d) => d.id);
    // Only rows still failed change, so two concurrent recoveries do not both count a delivery;
    // a job sent twice is harmless (one claims the row).
    await deps.db
      .update(webhookDeliveries)
      .set({ status: 'pending', nextAttemptAt: new Date() })
      .where(and(inArray(webhookDeliveries.id, ids), eq(webhookDeliveries.status, 'failed')));
    requeued.push(
      ...(await deps.db
        .select({ id: webhookDeliveries.id, attemptCount: webhookDeliveries.attemptCount })
        .from(webhookDeliveries)
        .where(and(inArray(webhookDeliveries.id, ids), eq(webhookDeliveries.status, 'pending')))),
    );
  }
  await sendDeliveries(deps.boss, requeued.map((d) => ({ deliveryId: d.id, webhookId, attempt: d.attemptCount })));
  return requeued.length;
}

/** Which of `eventNames` an active webhook of the organization subscribes to. */
export async function subscribedEventNames(db: Db, organizationId: number, eventNames: string[]): Promise<string[]> {
  const active = await db
    .select({ events: webhooks.events })
    .from(webhooks)
    .where(and(eq(webhooks.organizationId, organizationId), eq(webhooks.isActive, true)));
  return eventNames.filter((name) => active.some((w) => subscribed(w.events, name)));
}
