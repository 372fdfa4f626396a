import { createHash } from 'node:crypto';
import { and, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../../platform/config.js';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/mysql.js';
import type { Logger } from '../../platform/logging/logger.js';
import { sendJob } from '../../platform/queue/jobs.js';
import { integrationConnections } from '../integrations/index.js';
import { processCallbackJob } from './callbacks.jobs.js';
import {
  CallbackPayloadError,
  type CallbackEvent,
  type CallbackProtocol,
  type CallbackProvider,
  type CallbackRequest,
  type ParsedCallback,
  type RejectionReason,
} from './callbacks.protocol.js';
import { inboundCallbackRejections } from './inbound-callback-rejections.table.js';
import { inboundCallbacks, type EntityChange, type InboundCallbackRow } from './inbound-callbacks.table.js';
import { isDuplicateKey } from '../../platform/db/errors.js';

/** How callbacks are received and kept; read once from configuration. */
export interface CallbackSettings {
  /** Largest body accepted (413 above). */
  bodyLimitBytes: number;
  /** Days accepted callbacks and rejection counts are kept: the window in which a replay is recognised. */
  retentionDays: number;
}

export function callbackSettings(config: Config): CallbackSettings {
  return { bodyLimitBytes: config.CALLBACK_BODY_LIMIT_BYTES, retentionDays: config.CALLBACK_RETENTION_DAYS };
}

/** Payloads up to this size are kept whole beside their events. */
export const STORED_PAYLOAD_BYTES = 64 * 1024;
/** Processing attempts before a callback is marked failed (pg-boss retries 5 times after the first). */
export const MAX_PROCESS_ATTEMPTS = 6;
/** How long a processing attempt holds its claim before another worker may take it over. */
const PROCESS_LEASE_MS = 5 * 60_000;
/** A callback still `received` this long after arriving lost its job; the sweeper re-sends it. */
const RESEND_AFTER_MS = 2 * 60_000;

export interface ReceiveDeps {
  db: Db;
  boss: PgBoss;
  secrets: SecretBox;
  logger: Logger;
}

export type ReceiveOutcome =
  | { kind: 'accepted'; callbackId: number; duplicate: boolean }
  | { kind: 'rejected'; reason: RejectionReason }
  | { kind: 'bad_payload'; message: string };

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The replay key of a callback. Where every event carries the provider's id, the ids decide
 * (the same event re-sent in a new envelope is still a replay); otherwise a hash of the signed
 * body does.
 */
export function dedupeKeyOf(events: CallbackEvent[], body: Buffer): string {
  const ids = events.map((e) => e.id);
  if (ids.length > 0 && ids.every((id): id is string => typeof id === 'string' && id.length > 0)) {
    if (ids.length === 1 && ids[0]!.length <= 128) return `id:${ids[0]}`;
    return `ids:${sha256([...ids].sort().join('\n'))}`;
  }
  return `body:${sha256(body)}`;
}


function hourOf(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 3_600_000) * 3_600_000);
}

/** Counts a refusal (one row per connection, reason and hour) and logs it, without the body or any secret. */
async function reject(
  deps: ReceiveDeps,
  protocol: CallbackProtocol,
  requested: { connectionId: number | null; requestId: string },
  known: { organizationId: number; connectionId: number } | null,
  reason: RejectionReason,
  bodyBytes: number,
): Promise<ReceiveOutcome> {
  deps.logger.warn(
    { provider: protocol.provider, connectionId: requested.connectionId, reason, requestId: requested.requestId, bodyBytes },
    'callback rejected',
  );
  const now = new Date();
  try {
    await deps.db
      .insert(inboundCallbackRejections)
      .values({
        organizationId: known?.organizationId ?? 0,
        connectionId: known?.connectionId ?? 0,
        provider: protocol.provider,
        reason,
        windowStart: hourOf(now),
        count: 1,
        lastAt: now,
      })
      .onDuplicateKeyUpdate({ set: { count: sql`${inboundCallbackRejections.count} + 1`, lastAt: now } });
  } catch (error) {
    // Counting is best effort: the refusal stands whether or not it was counted.
    deps.logger.error({ err: error, provider: protocol.provider }, 'could not count a rejected callback');
  }
  return { kind: 'rejected', reason };
}

function readPayload(protocol: CallbackProtocol, body: Buffer): ParsedCallback | CallbackPayloadError {
  try {
    return protocol.parse(body);
  } catch (error) {
    if (error instanceof CallbackPayloadError) return error;
    throw error;
  }
}

const queues = new WeakMap<PgBoss, Promise<void>>();

/** Creates the processing queue once per process (sending to a missing queue fails in pg-boss). */
export function ensureCallbackQueue(boss: PgBoss): Promise<void> {
  let ready = queues.get(boss);
  if (!ready) {
    ready = boss.createQueue(processCallbackJob.name, { retryLimit: MAX_PROCESS_ATTEMPTS - 1, retryDelay: 10, retryBackoff: true });
    ready.catch(() => queues.delete(boss));
    queues.set(boss, ready);
  }
  return ready;
}

async function enqueue(deps: Pick<ReceiveDeps, 'boss' | 'logger'>, callbackId: number): Promise<void> {
  try {
    await ensureCallbackQueue(deps.boss);
    await sendJob(deps.boss, processCallbackJob, { callbackId });
  } catch (error) {
    // The callback is recorded: the sweeper sends its job later, so the provider still gets its 2xx.
    deps.logger.error({ err: error, callbackId }, 'could not enqueue a callback; the sweeper will retry');
  }
}

/**
 * Receives one callback: finds the connection, checks the provider's proof with the
 * connection's secret, reads the events, records them once and enqueues their processing.
 * Unknown, inactive or other-provider connections are refused exactly like a bad signature.
 */
export async function receiveCallback(
  deps: ReceiveDeps,
  protocol: CallbackProtocol,
  requested: { connectionId: number | null; requestId: string },
  request: CallbackRequest,
): Promise<ReceiveOutcome> {
  const bodyBytes = request.body.length;
  let parsed: ParsedCallback | null = null;
  // A proof inside the payload needs the payload read first; the same 400 then answers every
  // connection id alike, so it reveals nothing about which ids exist.
  if (protocol.proofInPayload) {
    const read = readPayload(protocol, request.body);
    if (read instanceof CallbackPayloadError) return { kind: 'bad_payload', message: read.message };
    parsed = read;
  }

  const rows =
    requested.connectionId === null
      ? []
      : await deps.db
          .select({
            id: integrationConnections.id,
            organizationId: integrationConnections.organizationId,
            integrationType: integrationConnections.integrationType,
            isActive: integrationConnections.isActive,
            credentials: integrationConnections.credentials,
          })
          .from(integrationConnections)
          .where(eq(integrationConnections.id, requested.connectionId))
          .limit(1);
  const connection = rows[0];
  if (!connection) return reject(deps, protocol, requested, null, 'unknown_connection', bodyBytes);
  const known = { organizationId: connection.organizationId, connectionId: connection.id };
  if (!protocol.integrationTypes.includes(connection.integrationType)) return reject(deps, protocol, requested, known, 'wrong_provider', bodyBytes);
  if (!connection.isActive) return reject(deps, protocol, requested, known, 'inactive_connection', bodyBytes);
  const sealed = connection.credentials?.[protocol.secretField];
  let secret: string | null = null;
  if (typeof sealed === 'string') {
    try {
      secret = deps.secrets.open(sealed);
    } catch {
      deps.logger.error({ connectionId: connection.id, field: protocol.secretField }, 'callback secret does not open with the encryption key');
    }
  }
  if (!secret) return reject(deps, protocol, requested, known, 'no_secret_configured', bodyBytes);

  const failure = protocol.verify(request, parsed, secret);
  if (failure) return reject(deps, protocol, requested, known, failure, bodyBytes);
  if (!parsed) {
    const read = readPayload(protocol, request.body);
    if (read instanceof CallbackPayloadError) return { kind: 'bad_payload', message: read.message };
    parsed = read;
  }
  const { events } = parsed;

  const dedupeKey = dedupeKeyOf(events, request.body);
  const now = new Date();
  let callbackId: number;
  try {
    const [inserted] = await deps.db
      .insert(inboundCallbacks)
      .values({
        organizationId: connection.organizationId,
        connectionId: connection.id,
        provider: protocol.provider,
        dedupeKey,
        events,
        eventCount: events.length,
        payload: bodyBytes <= STORED_PAYLOAD_BYTES ? (JSON.parse(request.body.toString('utf8')) as unknown) : null,
        bodySha256: sha256(request.body),
        bodyBytes,
        deliveryId: protocol.deliveryId?.(request) ?? null,
        receivedAt: now,
      })
      .$returningId();
    callbackId = inserted!.id;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const [existing] = await deps.db
      .select({ id: inboundCallbacks.id, status: inboundCallbacks.status })
      .from(inboundCallbacks)
      .where(and(eq(inboundCallbacks.organizationId, connection.organizationId), eq(inboundCallbacks.connectionId, connection.id), eq(inboundCallbacks.dedupeKey, dedupeKey)))
      .limit(1);
    if (!existing) throw error;
    await deps.db
      .update(inboundCallbacks)
      .set({ replayCount: sql`${inboundCallbacks.replayCount} + 1`, lastReplayAt: now })
      .where(and(eq(inboundCallbacks.organizationId, connection.organizationId), eq(inboundCallbacks.id, existing.id)));
    deps.logger.info({ provider: protocol.provider, connectionId: connection.id, callbackId: existing.id, requestId: requested.requestId }, 'callback replayed; not enqueued again');
    return { kind: 'accepted', callbackId: existing.id, duplicate: true };
  }
  await enqueue(deps, callbackId);
  deps.logger.info(
    { provider: protocol.provider, connectionId: connection.id, organizationId: connection.organizationId, callbackId, events: events.length, requestId: requested.requestId },
    'callback accepted',
  );
  return { kind: 'accepted', callbackId, duplicate: false };
}

/** What a provider's handler receives: the recorded callback and what changed. */
export interface CallbackContext {
  db: Db;
  logger: Logger;
  callback: Pick<InboundCallbackRow, 'id' | 'organizationId' | 'connectionId' | 'provider' | 'events' | 'payload' | 'receivedAt'>;
  changes: EntityChange[];
}

/** Follow-up work for a provider's callbacks (the connectors' sync). */
export type CallbackHandler = (context: CallbackContext) => Promise<void>;

/**
 * The hand-off point to the connectors: the composition root passes one handler per provider
 * that has one. A provider without a handler still has its callbacks processed (recorded changes).
 */
export type CallbackHandlers = Partial<Record<CallbackProvider, CallbackHandler>>;

export interface ProcessDeps {
  db: Db;
  logger: Logger;
  handlers: CallbackHandlers;
}

/** The distinct (entity, id, operation) of a callback's events, in order of first appearance. */
export function changesOf(events: CallbackEvent[]): EntityChange[] {
  const seen = new Set<string>();
  const changes: EntityChange[] = [];
  for (const e of events) {
    const change: EntityChange = { entity: e.entity, entityId: e.entityId, operation: e.operation, resource: e.resource, account: e.account };
    const key = JSON.stringify(change);
    if (seen.has(key)) continue;
    seen.add(key);
    changes.push(change);
  }
  return changes;
}

/**
 * Processes one recorded callback: claims it (so a job delivered twice, or a replay's job,
 * runs once), hands it to its provider's handler, and records what changed. A failure releases
 * the claim for pg-boss's retry; after MAX_PROCESS_ATTEMPTS the callback is marked failed.
 */
export async function processCallback(deps: ProcessDeps, callbackId: number): Promise<'processed' | 'skipped'> {
  const now = new Date();
  const [claim] = await deps.db
    .update(inboundCallbacks)
    .set({ status: 'processing', attempts: sql`${inboundCallbacks.attempts} + 1`, leaseUntil: new Date(now.getTime() + PROCESS_LEASE_MS) })
    .where(
      and(
        eq(inboundCallbacks.id, callbackId),
        or(eq(inboundCallbacks.status, 'received'), and(eq(inboundCallbacks.status, 'processing'), lt(inboundCallbacks.leaseUntil, now))),
      ),
    );
  if (claim.affectedRows !== 1) return 'skipped';
  const [row] = await deps.db.select().from(inboundCallbacks).where(eq(inboundCallbacks.id, callbackId)).limit(1);
  if (!row) return 'skipped';
  const scoped = and(eq(inboundCallbacks.organizationId, row.organizationId), eq(inboundCallbacks.id, row.id), eq(inboundCallbacks.status, 'processing'));
  const changes = changesOf(row.events);
  try {
    await deps.handlers[row.provider]?.({ db: deps.db, logger: deps.logger, callback: row, changes });
  } catch (error) {
    const failed = row.attempts >= MAX_PROCESS_ATTEMPTS;
    deps.logger.error({ err: error, callbackId, provider: row.provider, attempt: row.attempts }, failed ? 'callback processing failed for good' : 'callback processing failed; it will be retried');
    await deps.db
      .update(inboundCallbacks)
      .set(failed ? { status: 'failed', leaseUntil: null, error: 'The handler failed; see the logs' } : { status: 'received', leaseUntil: null })
      .where(scoped);
    if (failed) return 'processed';
    throw error;
  }
  await deps.db.update(inboundCallbacks).set({ status: 'processed', changes, processedAt: new Date(), leaseUntil: null, error: null }).where(scoped);
  deps.logger.info({ callbackId, provider: row.provider, changes: changes.length }, 'callback processed');
  return 'processed';
}

/** Re-sends jobs that were lost (never sent, or their worker died) and prunes what is past retention. */
export async function maintainCallbacks(
  deps: { db: Db; boss: PgBoss; logger: Logger },
  settings: CallbackSettings,
): Promise<{ resent: number; pruned: number }> {
  const now = Date.now();
  const stale = await deps.db
    .select({ id: inboundCallbacks.id })
    .from(inboundCallbacks)
    .where(
      or(
        and(eq(inboundCallbacks.status, 'received'), lt(inboundCallbacks.receivedAt, new Date(now - RESEND_AFTER_MS))),
        and(eq(inboundCallbacks.status, 'processing'), lt(inboundCallbacks.leaseUntil, new Date(now))),
      ),
    )
    .limit(100);
  for (const { id } of stale) await enqueue(deps, id);
  const cutoff = new Date(now - settings.retentionDays * 86_400_000);
  const [pruned] = await deps.db
    .delete(inboundCallbacks)
    .where(and(lt(inboundCallbacks.receivedAt, cutoff), inArray(inboundCallbacks.status, ['processed', 'failed'])))
    .limit(10_000);
  await deps.db.delete(inboundCallbackRejections).where(lt(inboundCallbackRejections.windowStart, cutoff)).limit(10_000);
  return { resent: stale.length, pruned: pruned.affectedRows };
}
