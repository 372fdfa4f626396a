import type mysql from 'mysql2/promise';
import type { PgBoss } from 'pg-boss';
import { withConnectionTransaction } from '../../platform/db/mysql.js';
import type { Logger } from '../../platform/logging/logger.js';
import { newMessageId } from '../../platform/events/outbox.js';
import { RECORD_EVENTS } from '../records/index.js';
import { matchesSubscription, subscribed } from './webhooks.catalog.js';
import type { RecordEventMode } from './webhooks.table.js';
import { deliverWebhookJob, deliveryJobKey, deliveryJobOptions } from './webhooks.jobs.js';
import type { WebhookSettings } from './webhooks.settings.js';

/** Events fanned out per transaction. */
const BATCH = 500;

const RECORD_EVENT_NAMES = RECORD_EVENTS.map((e) => e.name);
const RECORD_EVENT_SET = new Set(RECORD_EVENT_NAMES);

interface PendingEvent {
  id: number;
  organizationId: number;
  projectId: number | null;
  eventType: string;
  targetWebhookId: number | null;
  occurredAt: Date;
  payload: unknown;
}

interface Endpoint {
  id: number;
  organizationId: number;
  projectId: number | null;
  events: string[];
  createdAt: Date;
  recordEvents: RecordEventMode;
}

/** Records in one `<event>.batch` message (about 300 bytes each: messages stay under ~100 KB). */
export const RECORDS_PER_BATCH = 250;

/** The events that end an import: what an endpoint in `summary` mode receives instead of records. */
const IMPORT_SUMMARIES = new Set(['import.completed', 'import.failed']);

/** Whether an endpoint takes an event, as its subscription, project and creation time say. */
function wants(endpoint: Endpoint, event: PendingEvent): boolean {
  if (event.targetWebhookId !== null) return endpoint.id === event.targetWebhookId;
  // An endpoint gets the events that happened after it was created, not a backlog.
  if (endpoint.createdAt > event.occurredAt) return false;
  if (endpoint.projectId !== null && endpoint.projectId !== event.projectId) return false;
  if (subscribed(endpoint.events, event.eventType)) return true;
  // `summary`: an endpoint that subscribes to record events gets the end of every import.
  return endpoint.recordEvents === 'summary' && IMPORT_SUMMARIES.has(event.eventType) && endpoint.events.some((p) => RECORD_EVENT_NAMES.some((name) => matchesSubscription(p, name)));
}

/**
 * One delivery row per subscribed endpoint of each event, and the events stamped dispatched.
 * Record events go one by one to `each` endpoints; for `batch` endpoints the record events of
 * one bulk write (same organization, project, type and statement: one `occurred_at`) become
 * `<event>.batch` messages, written to the outbox here, already dispatched. Returns the ids of
 * those messages, whose deliveries are new too.
 */
async function fanOut(conn: mysql.PoolConnection, events: PendingEvent[]): Promise<number[]> {
  const orgIds = [...new Set(events.map((e) => e.organizationId))];
  const [hookRows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT id, organization_id, project_id, events, created_at, record_events FROM webhooks WHERE organization_id IN (?) AND is_active = 1',
    [orgIds],
  );
  const byOrg = new Map<number, Endpoint[]>();
  for (const r of hookRows) {
    const endpoint: Endpoint = {
      id: Number(r['id']),
      organizationId: Number(r['organization_id']),
      projectId: r['project_id'] == null ? null : Number(r['project_id']),
      events: (typeof r['events'] === 'string' ? JSON.parse(r['events']) : r['events']) as string[],
      createdAt: r['created_at'] as Date,
      recordEvents: r['record_events'] as RecordEventMode,
    };
    byOrg.set(endpoint.organizationId, [...(byOrg.get(endpoint.organizationId) ?? []), endpoint]);
  }
  const values: Array<[number, number, number]> = [];
  /** Record events of one bulk write, and the `batch` endpoints that take them. */
  const writes = new Map<string, { events: PendingEvent[]; endpoints: Set<number> }>();
  for (const event of events) {
    const isRecord = event.targetWebhookId === null && RECORD_EVENT_SET.has(event.eventType);
    for (const endpoint of byOrg.get(event.organizationId) ?? []) {
      if (!wants(endpoint, event)) continue;
      if (!isRecord || endpoint.recordEvents === 'each') values.push([event.organizationId, endpoint.id, event.id]);
      else if (endpoint.recordEvents === 'batch') {
        const key = `${event.organizationId}|${event.projectId ?? ''}|${event.eventType}|${event.occurredAt.getTime()}`;
        const write = writes.get(key) ?? { events: [], endpoints: new Set<number>() };
        if (write.events.at(-1) !== event) write.events.push(event);
        write.endpoints.add(endpoint.id);
        writes.set(key, write);
      }
    }
  }
  const batchIds: number[] = [];
  for (const { events: written, endpoints } of writes.values()) {
    for (let i = 0; i < written.length; i += RECORDS_PER_BATCH) {
      const slice = written.slice(i, i + RECORDS_PER_BATCH);
      const first = slice[0]!;
      const [inserted] = await conn.query<mysql.ResultSetHeader>(
        'INSERT INTO outbox_events (organization_id, project_id, message_id, event_type, payload, occurred_at, dispatched_at) VALUES (?, ?, ?, ?, ?, ?, NOW(3))',
        [first.organizationId, first.projectId, newMessageId(), `${first.eventType}.batch`, JSON.stringify({ count: slice.length, records: slice.map((e) => e.payload) }), first.occurredAt],
      );
      batchIds.push(inserted.insertId);
      for (const webhookId of endpoints) values.push([first.organizationId, webhookId, inserted.insertId]);
    }
  }
  if (values.length) {
    await conn.query(
      'INSERT IGNORE INTO webhook_deliveries (organization_id, webhook_id, event_id, status, attempt_count, next_attempt_at) VALUES ' +
        values.map(() => "(?, ?, ?, 'pending', 0, NOW(3))").join(', '),
      values.flat(),
    );
  }
  await conn.query('UPDATE outbox_events SET dispatched_at = NOW(3) WHERE id IN (?)', [events.map((e) => e.id)]);
  return batchIds;
}

/**
 * Moves events from the outbox to the queue. Each pass locks a batch of undispatched events
 * (SKIP LOCKED, so several workers share the work), writes one delivery row per subscribed
 * endpoint and stamps the events dispatched, in one transaction; then sends a job per new
 * delivery. A crash before the commit leaves the events for the next pass; a crash after it
 * leaves pending deliveries that the sweeper re-sends.
 */
export async function relayOnce(pool: mysql.Pool, boss: PgBoss): Promise<number> {
  // READ COMMITTED: no gap locks, so the locking read never blocks a transaction that is
  // writing new events behind the batch (under REPEATABLE READ it would, and could deadlock).
  const events = await withConnectionTransaction(
    pool,
    async (conn) => {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT id, organization_id, project_id, event_type, target_webhook_id, occurred_at, payload FROM outbox_events
         WHERE dispatched_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
        [BATCH],
      );
      const batch: PendingEvent[] = rows.map((r) => ({
        id: Number(r['id']),
        organizationId: Number(r['organization_id']),
        projectId: r['project_id'] == null ? null : Number(r['project_id']),
        eventType: String(r['event_type']),
        targetWebhookId: r['target_webhook_id'] == null ? null : Number(r['target_webhook_id']),
        occurredAt: r['occurred_at'] as Date,
        payload: (typeof r['payload'] === 'string' ? JSON.parse(r['payload']) : r['payload']) as unknown,
      }));
      const batchIds = batch.length ? await fanOut(conn, batch) : [];
      return { batch, eventIds: [...batch.map((e) => e.id), ...batchIds] };
    },
    { readCommitted: true },
  );
  if (events.batch.length === 0) return 0;

  const [deliveries] = await pool.query<mysql.RowDataPacket[]>(
    "SELECT id, webhook_id FROM webhook_deliveries WHERE event_id IN (?) AND status = 'pending' AND attempt_count = 0",
    [events.eventIds],
  );
  await sendDeliveries(boss, deliveries.map((d) => ({ deliveryId: Number(d['id']), webhookId: Number(d['webhook_id']), attempt: 0 })));
  return events.batch.length;
}

/** Hands deliveries to the queue, one job each, keyed by attempt, in their endpoint's concurrency group. */
export async function sendDeliveries(boss: PgBoss, deliveries: Array<{ deliveryId: number; webhookId: number; attempt: number }>): Promise<void> {
  for (let i = 0; i < deliveries.length; i += 1000) {
    const slice = deliveries.slice(i, i + 1000);
    await boss.insert(
      deliverWebhookJob.name,
      slice.map((d) => ({ data: { deliveryId: d.deliveryId, attempt: d.attempt }, ...deliveryJobOptions(d.deliveryId, d.attempt, d.webhookId) })),
    );
  }
}

/** Rows the sweeper reads at a time, and at most this many pages a sweep (oldest first). */
const SWEEP_PAGE = 1000;
const SWEEP_PAGES = 20;

/**
 * Which of these job keys the queue still holds in a live state (waiting, to be retried or
 * running). pg-boss indexes the key of waiting jobs (job_i17); its API looks up one key at a
 * time, so the sweeper asks its table directly, by the queue's name, which every version keeps.
 */
async function liveJobKeys(boss: PgBoss, queueSchema: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const result = await boss
    .getDb()
    .executeSql(`SELECT singleton_key FROM ${queueSchema}.job WHERE name = $1 AND singleton_key = ANY($2::text[]) AND state <= 'active'`, [deliverWebhookJob.name, keys]);
  return new Set((result.rows as Array<{ singleton_key: string }>).map((r) => r.singleton_key));
}

/**
 * Re-sends deliveries whose job was lost: pending and overdue by more than the grace period, or
 * claimed by a worker whose lease ran out, and in either case with no job for that attempt left
 * in the queue. A delivery that is only waiting its turn (behind a slow endpoint, or a backlog)
 * has its job in the queue and is left alone. Returns how many were re-sent.
 */
export async function sweepDeliveries(pool: mysql.Pool, boss: PgBoss, settings: Pick<WebhookSettings, 'sweepGraceSeconds' | 'queueSchema'>): Promise<number> {
  let resent = 0;
  for (const condition of ["status = 'pending' AND next_attempt_at < NOW(3) - INTERVAL ? SECOND", "status = 'delivering' AND lease_until < NOW(3) - INTERVAL ? SECOND"]) {
    let afterId = 0;
    for (let page = 0; page < SWEEP_PAGES; page += 1) {
      const [rows] = await pool.query<mysql.RowDataPacket[]>(
        `SELECT id, webhook_id, attempt_count FROM webhook_deliveries WHERE ${condition} AND id > ? ORDER BY id LIMIT ?`,
        [condition.startsWith("status = 'pending'") ? settings.sweepGraceSeconds : 0, afterId, SWEEP_PAGE],
      );
      if (rows.length === 0) break;
      afterId = Number(rows.at(-1)!['id']);
      const candidates = rows.map((r) => ({ deliveryId: Number(r['id']), webhookId: Number(r['webhook_id']), attempt: Number(r['attempt_count']) }));
      const live = await liveJobKeys(boss, settings.queueSchema, candidates.map((c) => deliveryJobKey(c.deliveryId, c.attempt)));
      const lost = candidates.filter((c) => !live.has(deliveryJobKey(c.deliveryId, c.attempt)));
      await sendDeliveries(boss, lost);
      resent += lost.length;
      if (rows.length < SWEEP_PAGE) break;
    }
  }
  return resent;
}

/** The relay loop of one worker process: a pass, then a pause when the outbox was drained. */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly pool: mysql.Pool,
    private readonly boss: PgBoss,
    private readonly logger: Logger,
    private readonly pollMs: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let relayed: number;
      try {
        relayed = await relayOnce(this.pool, this.boss);
      } catch (error) {
        if (!this.running) break;
        this.logger.error({ err: error }, 'webhook outbox relay failed; retrying');
        await this.pause(1000);
        continue;
      }
      if (relayed < BATCH) await this.pause(this.pollMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
