import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type mysql from 'mysql2/promise';
import { Coalescer } from '../../platform/queue/coalescer.js';
import { WindowLimiter } from '../../platform/rate-limit/window-limiter.js';
import { attemptOnce, disableEndpoint, type AttemptResult, type DeliveryDeps, type OutgoingMessage, type SendTarget } from './webhooks.delivery.js';
import { deliverWebhookJob, deliveryJobOptions } from './webhooks.jobs.js';
import { retryDelaySeconds } from './webhooks.retry.js';

/** How long a delivery stays claimed beyond the receiver's deadline, for recording the outcome. */
const LEASE_MARGIN_MS = 5_000;
/** last_triggered_at is refreshed at most this often by successes alone (it is a hot row). */
const TRIGGER_REFRESH_MS = 5_000;

interface ClaimRequest {
  deliveryId: number;
  attempt: number;
}

interface Claimed {
  kind: 'claimed';
  /** The claim's token: its outcome is recorded only while the row still carries it. */
  token: string;
  organizationId: number;
  webhookId: number;
  eventId: number;
  target: SendTarget | null;
  isActive: boolean;
  failureCount: number;
  lastTriggeredAt: Date | null;
  maxPerSecond: number | null;
  message: OutgoingMessage;
}

type ClaimResult = Claimed | { kind: 'stale' } | { kind: 'leased'; seconds: number; webhookId: number };

interface Outcome {
  deliveryId: number;
  claim: Claimed;
  /** Attempts made, this one included. */
  made: number;
  result: AttemptResult;
  sentAt: Date;
}

/** What became of a recorded outcome: a retry to schedule, and whether an alert was raised. */
interface Recorded {
  retryInSeconds: number | null;
  alerted: boolean;
}

const rowNumber = (value: unknown): number => Number(value);

/** `1, 2, 3` as bound parameters, for `IN (…)`. */
const idList = (ids: readonly number[]): SQL => sql.join(ids.map((id) => sql`${id}`), sql`, `);

/**
 * Runs delivery attempts with the database work of many concurrent attempts shared: claims of
 * all attempts starting together are one UPDATE and one SELECT, and outcomes finishing together
 * are written in one transaction. Each attempt still sends on its own, so a slow receiver holds
 * only its own attempt, never the writes of the others.
 */
export class DeliveryEngine {
  private readonly claims: Coalescer<ClaimRequest, ClaimResult>;
  private readonly outcomes: Coalescer<Outcome, Recorded>;
  /** Per-endpoint deliveries a second, exact across workers (the API's shared window counters). */
  private readonly throughput: WindowLimiter;

  constructor(private readonly deps: DeliveryDeps) {
    this.throughput = new WindowLimiter(deps.pool, { maxLease: 5 });
    this.claims = new Coalescer((items) => this.claimBatch(items), 200);
    this.outcomes = new Coalescer((items) => this.recordBatch(items), 200);
  }

  /**
   * Makes attempt `attempt + 1` of a delivery and records it; schedules the next attempt when it
   * failed. Returns false when the job was stale (that attempt was made already).
   */
  async run(deliveryId: number, attempt: number): Promise<boolean> {
    const claim = await this.claims.submit({ deliveryId, attempt });
    if (claim.kind === 'stale') return false;
    if (claim.kind === 'leased') {
      // A job handed over from a worker that died mid-attempt: come back when its lease is out.
      await this.deps.boss.send(deliverWebhookJob.name, { deliveryId, attempt }, { startAfter: claim.seconds + 1, ...deliveryJobOptions(deliveryId, attempt, claim.webhookId) });
      return false;
    }
    if (claim.maxPerSecond !== null && claim.target && claim.isActive) {
      const decision = await this.throughput.hit(`webhook:${claim.webhookId}`, [{ name: 'second', limit: claim.maxPerSecond, windowSeconds: 1 }]);
      if (!decision.allowed) {
        // Over the endpoint's rate: hand the delivery back and come again in the next window.
        await this.deps.pool.query("UPDATE webhook_deliveries SET status = 'pending', lease_until = NULL, claim_token = NULL WHERE id = ? AND status = 'delivering' AND claim_token = ?", [deliveryId, claim.token]);
        await this.deps.boss.send(deliverWebhookJob.name, { deliveryId, attempt }, { startAfter: Math.max(1, decision.retryAfterSeconds), ...deliveryJobOptions(deliveryId, attempt, claim.webhookId) });
        return false;
      }
    }
    const result: AttemptResult =
      claim.target && claim.isActive
        ? await attemptOnce(claim.target, claim.message, this.deps.secrets, this.deps.settings)
        : { statusCode: null, body: null, durationMs: 0, error: claim.target ? 'endpoint disabled' : 'endpoint deleted', verdict: { kind: 'failure', retryAfterSeconds: null } };
    const recorded = await this.outcomes.submit({ deliveryId, claim, made: attempt + 1, result, sentAt: new Date() });
    if (recorded.alerted) this.deps.onAlert?.();
    if (recorded.retryInSeconds !== null) {
      // If the queue cannot take it now (or this process dies here), the delivery stays pending
      // and the sweeper hands it over once it is overdue by WEBHOOK_SWEEP_GRACE_S. Failing this
      // job instead would not help: its retry would find the attempt made and stop.
      await this.deps.boss
        .send(deliverWebhookJob.name, { deliveryId, attempt: attempt + 1 }, { startAfter: recorded.retryInSeconds, ...deliveryJobOptions(deliveryId, attempt + 1, claim.webhookId) })
        .catch((error: unknown) => this.deps.logger.warn({ err: error, deliveryId }, 'could not schedule a webhook retry; the sweeper will'));
    }
    return true;
  }

  private async claimBatch(items: ClaimRequest[]): Promise<ClaimResult[]> {
    const pool = this.deps.pool;
    const token = randomBytes(12).toString('base64url');
    const ids = items.map((i) => i.deliveryId);
    const leaseSeconds = Math.ceil((this.deps.settings.timeoutMs + LEASE_MARGIN_MS) / 1000);
    await pool.query(
      `UPDATE webhook_deliveries SET status = 'delivering', lease_until = NOW(3) + INTERVAL ? SECOND, claim_token = ?
       WHERE id IN (?) AND (id, attempt_count) IN (${items.map(() => '(?, ?)').join(', ')})
         AND (status = 'pending' OR (status = 'delivering' AND lease_until < NOW(3)))`,
      [leaseSeconds, token, ids, ...items.flatMap((i) => [i.deliveryId, i.attempt])],
    );
    const [rows] = await pool.query<mysql.RowDataPacket[]>(
      `SELECT d.id, d.attempt_count, d.organization_id, d.webhook_id, d.event_id, w.id AS endpoint, w.url, w.secret, w.previous_secret,
              w.previous_secret_expires_at, w.is_active, w.failure_count, w.last_triggered_at, w.max_per_second,
              e.message_id, e.event_type, e.payload, e.occurred_at
       FROM webhook_deliveries d
       JOIN outbox_events e ON e.id = d.event_id
       LEFT JOIN webhooks w ON w.id = d.webhook_id AND w.organization_id = d.organization_id
       WHERE d.id IN (?) AND d.claim_token = ?`,
      [ids, token],
    );
    // One row, one winner: when two jobs of the same attempt arrive in one batch (a job sent
    // twice), the row is claimed once and only the first of them may send.
    const won = new Map<number, Claimed>();
    for (const row of rows) {
      const index = items.findIndex((i) => i.deliveryId === rowNumber(row['id']) && i.attempt === rowNumber(row['attempt_count']));
      if (index < 0) continue;
      won.set(index, {
        kind: 'claimed',
        token,
        organizationId: rowNumber(row['organization_id']),
        webhookId: rowNumber(row['webhook_id']),
        eventId: rowNumber(row['event_id']),
        isActive: Boolean(row['is_active']),
        failureCount: rowNumber(row['failure_count'] ?? 0),
        lastTriggeredAt: (row['last_triggered_at'] as Date | null) ?? null,
        maxPerSecond: row['max_per_second'] == null ? null : rowNumber(row['max_per_second']),
        target:
          row['endpoint'] == null
            ? null
            : {
                url: String(row['url']),
                secret: (row['secret'] as string | null) ?? null,
                previousSecret: (row['previous_secret'] as string | null) ?? null,
                previousSecretExpiresAt: (row['previous_secret_expires_at'] as Date | null) ?? null,
              },
        message: {
          messageId: String(row['message_id']),
          eventType: String(row['event_type']),
          occurredAt: row['occurred_at'] as Date,
          payload: typeof row['payload'] === 'string' ? JSON.parse(row['payload']) : row['payload'],
        },
      });
    }
    const lost = items.filter((_, index) => !won.has(index));
    const leased = new Map<number, { seconds: number; webhookId: number }>();
    if (lost.length) {
      const [held] = await pool.query<mysql.RowDataPacket[]>(
        `SELECT id, webhook_id, TIMESTAMPDIFF(SECOND, NOW(3), lease_until) AS seconds FROM webhook_deliveries
         WHERE id IN (?) AND (id, attempt_count) IN (${lost.map(() => '(?, ?)').join(', ')}) AND status = 'delivering' AND lease_until >= NOW(3)`,
        [lost.map((i) => i.deliveryId), ...lost.flatMap((i) => [i.deliveryId, i.attempt])],
      );
      for (const row of held) leased.set(rowNumber(row['id']), { seconds: rowNumber(row['seconds']), webhookId: rowNumber(row['webhook_id']) });
    }
    return items.map((i, index) => {
      const claimed = won.get(index);
      if (claimed) return claimed;
      // A copy of a job whose twin won this batch is a duplicate: nothing left for it to do.
      const held = leased.get(i.deliveryId);
      return held && !items.some((other, j) => j !== index && won.has(j) && other.deliveryId === i.deliveryId) ? { kind: 'leased', ...held } : { kind: 'stale' };
    });
  }

  private async recordBatch(outcomes: Outcome[]): Promise<Recorded[]> {
    const { settings } = this.deps;
    const now = new Date();
    const results: Recorded[] = outcomes.map(() => ({ retryInSeconds: null, alerted: false }));
    await this.deps.db.transaction(async (tx) => {
      // Endpoint state first: failures count, a success ends the run of failures.
      const failed = new Map<number, number>();
      const succeeded = new Set<number>();
      for (const o of outcomes) {
        if (!o.claim.target || !o.claim.isActive) continue;
        if (o.result.verdict.kind === 'success') succeeded.add(o.claim.webhookId);
        else failed.set(o.claim.webhookId, (failed.get(o.claim.webhookId) ?? 0) + 1);
      }
      const failingFor = new Map<number, number>();
      const failingOnly = [...failed.keys()].filter((id) => !succeeded.has(id));
      if (failingOnly.length) {
        const cases = sql.join(failingOnly.map((id) => sql`WHEN ${id} THEN ${failed.get(id)!}`), sql` `);
        await tx.execute(
          sql`UPDATE webhooks SET failure_count = failure_count + CASE id ${cases} END, failing_since = COALESCE(failing_since, ${now}), last_triggered_at = ${now}
              WHERE id IN (${idList(failingOnly)})`,
        );
        const [rows] = (await tx.execute(
          sql`SELECT id, COALESCE(TIMESTAMPDIFF(SECOND, failing_since, ${now}), 0) AS failing_for FROM webhooks
              WHERE id IN (${idList(failingOnly)})`,
        )) as unknown as [mysql.RowDataPacket[]];
        for (const row of rows) failingFor.set(rowNumber(row['id']), rowNumber(row['failing_for']));
      }
      // Successes touch the endpoint row only when its state changes or last_triggered_at is old.
      const refresh = [...succeeded].filter((id) => {
        const sample = outcomes.find((o) => o.claim.webhookId === id)!.claim;
        return failed.has(id) || sample.failureCount > 0 || !sample.lastTriggeredAt || now.getTime() - sample.lastTriggeredAt.getTime() > TRIGGER_REFRESH_MS;
      });
      if (refresh.length) {
        await tx.execute(
          sql`UPDATE webhooks SET failure_count = 0, failing_since = NULL, last_triggered_at = ${now} WHERE id IN (${idList(refresh)})`,
        );
      }

      // Each delivery's new state, written only where this claim still holds the row. A claim
      // that lost the row (its lease ran out and another worker took the attempt) logs what it
      // sent but changes nothing, except that its success is kept: a delivered message is never
      // sent again, and a recorded success is never turned back into a failure.
      const [current] = (await tx.execute(
        sql`SELECT id, status, claim_token, attempt_count FROM webhook_deliveries WHERE id IN (${idList([...new Set(outcomes.map((o) => o.deliveryId))])}) FOR UPDATE`,
      )) as unknown as [mysql.RowDataPacket[]];
      const rows = new Map(current.map((r) => [rowNumber(r['id']), { status: String(r['status']), token: (r['claim_token'] as string | null) ?? null, attempts: rowNumber(r['attempt_count']) }]));
      const toDisable = new Map<number, { organizationId: number; reason: string }>();
      const states: SQL[] = [];
      const logs: SQL[] = [];
      outcomes.forEach((o, i) => {
        const { claim, result } = o;
        const row = rows.get(o.deliveryId);
        const holds = row !== undefined && row.status === 'delivering' && row.token === claim.token;
        const lateSuccess = !holds && row !== undefined && result.verdict.kind === 'success' && claim.target !== null && claim.isActive && row.status !== 'succeeded' && row.status !== 'cancelled';
        if (claim.target && claim.isActive) {
          logs.push(
            sql`(${claim.organizationId}, ${claim.webhookId}, ${o.deliveryId}, ${claim.message.messageId}, ${claim.message.eventType}, ${o.made}, ${result.verdict.kind === 'success' ? 1 : 0}, ${result.statusCode}, ${result.body}, ${result.durationMs}, ${result.error}, ${o.sentAt})`,
          );
        }
        if (!row || (!holds && !lateSuccess)) return;
        let status: 'succeeded' | 'failed' | 'pending' | 'cancelled';
        let nextAttemptAt: Date | null = null;
        if (!claim.target) status = 'cancelled';
        else if (!claim.isActive) status = 'failed';
        else if (result.verdict.kind === 'success') status = 'succeeded';
        else if (result.verdict.kind === 'gone') {
          status = 'failed';
          toDisable.set(claim.webhookId, { organizationId: claim.organizationId, reason: 'the endpoint answered 410 Gone' });
        } else if ((failingFor.get(claim.webhookId) ?? 0) >= settings.disableAfterSeconds) {
          status = 'failed';
          const hours = Math.round((failingFor.get(claim.webhookId) ?? 0) / 3600);
          toDisable.set(claim.webhookId, { organizationId: claim.organizationId, reason: `every attempt failed for ${hours} hours` });
        } else {
          const wait = retryDelaySeconds(settings.schedule, o.made + 1, result.verdict.retryAfterSeconds);
          status = wait === null ? 'failed' : 'pending';
          if (wait !== null) {
            nextAttemptAt = new Date(now.getTime() + wait * 1000);
            results[i]!.retryInSeconds = wait;
          }
        }
        const made = Math.max(o.made, row.attempts);
        // Later outcomes of the same batch see this one's state.
        rows.set(o.deliveryId, { status, token: null, attempts: made });
        states.push(
          sql`(${o.deliveryId}, ${claim.organizationId}, ${claim.webhookId}, ${claim.eventId}, ${status}, ${made}, ${nextAttemptAt}, ${o.sentAt}, ${result.statusCode}, ${result.error})`,
        );
      });
      if (logs.length) {
        await tx.execute(
          sql`INSERT INTO webhook_logs (organization_id, webhook_id, delivery_id, message_id, event, attempt, success, response_status, response_body, duration_ms, error, sent_at)
              VALUES ${sql.join(logs, sql`, `)}`,
        );
      }
      // One statement for every delivery: an upsert on the primary key of rows that exist.
      if (states.length) await tx.execute(
        sql`INSERT INTO webhook_deliveries (id, organization_id, webhook_id, event_id, status, attempt_count, next_attempt_at, last_attempt_at, last_status_code, last_error)
            VALUES ${sql.join(states, sql`, `)}
            ON DUPLICATE KEY UPDATE status = VALUES(status), attempt_count = VALUES(attempt_count), next_attempt_at = VALUES(next_attempt_at),
              last_attempt_at = VALUES(last_attempt_at), last_status_code = VALUES(last_status_code), last_error = VALUES(last_error),
              lease_until = NULL, claim_token = NULL, updated_at = NOW(3)`,
      );
      for (const [webhookId, { organizationId, reason }] of toDisable) {
        if (await disableEndpoint(tx, organizationId, webhookId, reason)) {
          const first = outcomes.findIndex((o) => o.claim.webhookId === webhookId);
          results[first]!.alerted = true;
        }
      }
    });
    return results;
  }
}

