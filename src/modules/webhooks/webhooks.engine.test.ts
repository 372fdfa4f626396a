import { randomBytes } from 'node:crypto';
import type { ResultSetHeader, RowDataPacket } from 'mysql2';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { SecretBox } from '../../platform/crypto/secret-box.js';
import { connectMySql, type MySql } from '../../platform/db/mysql.js';
import { runMigrations } from '../../platform/db/migrate.js';
import { emitEvent } from '../../platform/events/outbox.js';
import { createLogger } from '../../platform/logging/logger.js';
import { startQueue } from '../../platform/queue/boss.js';
import { createOrganization } from '../organizations/index.js';
import { importCompleted } from '../imports/index.js';
import { createTestDatabases, POSTGRES_URL, type TestDatabases } from '../../../test/support/databases.js';
import { testEnv } from '../../../test/support/test-app.js';
import { WebhookReceiver } from '../../../test/support/webhook-receiver.js';
import { DeliveryEngine } from './webhooks.engine.js';
import { deliverWebhookJob } from './webhooks.jobs.js';
import { sendDeliveries, sweepDeliveries } from './webhooks.relay.js';
import { createWebhook } from './webhooks.service.js';
import { webhookSettings, type WebhookSettings } from './webhooks.settings.js';

/*
 * The delivery engine against real databases and no worker: each test drives attempts itself,
 * as two worker processes would, so races are made to happen rather than hoped for.
 */
const system = { type: 'system' as const, id: 'test' };
let databases: TestDatabases;
let mysql: MySql;
let boss: PgBoss;
let settings: WebhookSettings;
let secrets: SecretBox;
let receiver: WebhookReceiver;
let passed = false;

beforeAll(async () => {
  databases = await createTestDatabases('webhook_engine');
  mysql = connectMySql(databases.mysqlUrl, 4);
  await runMigrations(mysql.pool);
  boss = await startQueue({ url: POSTGRES_URL, schema: databases.queueSchema, logger: createLogger('silent') });
  await boss.createQueue(deliverWebhookJob.name);
  const key = randomBytes(32).toString('base64');
  settings = webhookSettings(
    loadConfig(testEnv(databases, { ENCRYPTION_KEY: key, WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_TIMEOUT_MS: '3000', WEBHOOK_RETRY_SCHEDULE: '0,1,1', WEBHOOK_SWEEP_GRACE_S: '5' })),
  );
  secrets = new SecretBox(Buffer.from(key, 'base64'));
  receiver = await WebhookReceiver.start();
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await boss?.stop({ graceful: false });
  await mysql?.close();
  if (passed) await databases.drop();
});

const engine = () => new DeliveryEngine({ db: mysql.db, pool: mysql.pool, boss, secrets, logger: createLogger('silent'), settings });

/** A pending delivery of a new event to a new endpoint on `receiver`; its id and message id. */
async function pendingDelivery(): Promise<{ deliveryId: number; webhookId: number; messageId: string }> {
  const org = await createOrganization(mysql.db, system, { name: `Engine GC ${randomBytes(3).toString('hex')}` });
  const { webhook } = await createWebhook({ db: mysql.db, boss, secrets, settings }, system, org.id, { name: 'erp', url: receiver.url, events: ['import.*'] });
  const event = await emitEvent(
    mysql.db,
    importCompleted,
    { importJobId: '1', importType: 'vendors', fileName: 'v.csv', projectId: null, totalRows: 1, insertedRows: 1, updatedRows: 0, skippedRows: 0, failedRows: 0 },
    { organizationId: org.id },
  );
  const [result] = await mysql.pool.query<ResultSetHeader>(
    "INSERT INTO webhook_deliveries (organization_id, webhook_id, event_id, status, attempt_count, next_attempt_at) VALUES (?, ?, ?, 'pending', 0, NOW(3))",
    [org.id, webhook.id, event.id],
  );
  return { deliveryId: result.insertId, webhookId: webhook.id, messageId: event.messageId };
}

async function deliveryRow(id: number) {
  const [rows] = await mysql.pool.query<RowDataPacket[]>('SELECT status, attempt_count, claim_token, lease_until FROM webhook_deliveries WHERE id = ?', [id]);
  return rows[0]!;
}

const arrivals = (messageId: string) => receiver.received.filter((d) => d.headers['webhook-id'] === messageId);

describe('DeliveryEngine', () => {
  it('claims an attempt once when two jobs for it are in one batched claim', async () => {
    receiver.behaviour = () => ({ status: 204 });
    const { deliveryId, messageId } = await pendingDelivery();
    const worker = engine();
    // Both submitted in the same tick: the coalescer claims them in one statement.
    const ran = await Promise.all([worker.run(deliveryId, 0), worker.run(deliveryId, 0)]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(arrivals(messageId)).toHaveLength(1);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: 'succeeded', attempt_count: 1, claim_token: null });
  });

  it('never lets a late failure overwrite a recorded success, nor schedules a retry after one', async () => {
    const { deliveryId, messageId } = await pendingDelivery();
    // The first copy is answered 204 at once; the second (sent after the first lease was taken
    // over) times out after the success was recorded.
    receiver.behaviour = (_n, d) => (d.headers['webhook-id'] === messageId && arrivals(messageId).length > 1 ? { status: 204, delayMs: 4000 } : { status: 204, delayMs: 300 });
    const first = engine().run(deliveryId, 0);
    await receiver.waitFor(() => arrivals(messageId).length === 1);
    // The first worker's lease runs out (it looks lost) and another worker takes the attempt.
    await mysql.pool.query('UPDATE webhook_deliveries SET lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [deliveryId]);
    const second = engine().run(deliveryId, 0);
    await first;
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: 'succeeded' });
    await second;
    expect(arrivals(messageId)).toHaveLength(2);
    expect(await deliveryRow(deliveryId)).toMatchObject({ status: 'succeeded', attempt_count: 1 });
    const [logs] = await mysql.pool.query<RowDataPacket[]>('SELECT success, error FROM webhook_logs WHERE delivery_id = ? ORDER BY id', [deliveryId]);
    expect(logs.map((l) => Boolean(l['success']))).toEqual([true, false]);
    const retries = await boss.findJobs(deliverWebhookJob.name, { data: { deliveryId }, queued: true });
    expect(retries).toEqual([]);
  }, 20_000);

  it('the sweeper re-sends a delivery whose job was lost, never one that is only queued', async () => {
    receiver.behaviour = () => ({ status: 204 });
    const queued = await pendingDelivery();
    const lost = await pendingDelivery();
    await sendDeliveries(boss, [{ deliveryId: queued.deliveryId, webhookId: queued.webhookId, attempt: 0 }]);
    // Both overdue by more than the grace period; only `queued` has a job waiting for it.
    await mysql.pool.query('UPDATE webhook_deliveries SET next_attempt_at = NOW(3) - INTERVAL 10 MINUTE WHERE id IN (?)', [[queued.deliveryId, lost.deliveryId]]);
    const resent = await sweepDeliveries(mysql.pool, boss, settings);
    expect(resent).toBe(1);
    const jobsOf = async (deliveryId: number) => (await boss.findJobs(deliverWebhookJob.name, { data: { deliveryId }, queued: true })).length;
    expect(await jobsOf(queued.deliveryId)).toBe(1);
    expect(await jobsOf(lost.deliveryId)).toBe(1);
    // A second sweep finds both queued now.
    expect(await sweepDeliveries(mysql.pool, boss, settings)).toBe(0);
    passed = true;
  });
});
