import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2';
import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { Webhook as Verifier } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/platform/config.js';
import { SecretBox } from '../src/platform/crypto/secret-box.js';
import { connectMySql, type MySql } from '../src/platform/db/mysql.js';
import { runMigrations } from '../src/platform/db/migrate.js';
import { emitEvent } from '../src/platform/events/outbox.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { startQueue } from '../src/platform/queue/boss.js';
import { createOrganization } from '../src/modules/organizations/index.js';
import { importCompleted } from '../src/modules/imports/index.js';
import { createWebhook } from '../src/modules/webhooks/webhooks.service.js';
import { webhookSettings } from '../src/modules/webhooks/index.js';
import { createTestDatabases, MYSQL_URL, POSTGRES_URL, type TestDatabases } from './support/databases.js';
import { startWorkerProcess } from './support/server-process.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { testEnv } from './support/test-app.js';
import { eventually } from './support/upload.js';
import { WebhookReceiver, type Behaviour } from './support/webhook-receiver.js';

/*
 * Deliveries under trouble, with real worker processes: receivers that fail, hang, reset the
 * connection or are down and come back; the worker killed with SIGKILL mid-delivery; MariaDB
 * and PostgreSQL unreachable for a while (every connection dropped, as in a restart). In the
 * end every receiver has acknowledged every event, and after deduplication by webhook-id each
 * event was processed exactly once.
 */
const EVENTS = 120;
const system = { type: 'system' as const, id: 'test' };

let databases: TestDatabases;
let mysql: MySql;
let boss: PgBoss;
let mysqlProxy: TcpProxy;
let pgProxy: TcpProxy;
const receivers: WebhookReceiver[] = [];
const workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
let passed = false;

/** Fails the first attempt of every message as `first` says, then answers 200. */
function failFirst(first: ReturnType<Behaviour>): Behaviour {
  const seen = new Set<string>();
  return (_n, delivery) => {
    const id = delivery.headers['webhook-id'] ?? '';
    if (seen.has(id)) return { status: 200 };
    seen.add(id);
    return first;
  };
}

/** Message ids a receiver answered with 2xx. */
function acknowledged(receiver: WebhookReceiver, acked: Map<WebhookReceiver, Set<string>>): Set<string> {
  return acked.get(receiver) ?? new Set();
}

beforeAll(async () => {
  databases = await createTestDatabases('webhook_chaos');
  mysql = connectMySql(databases.mysqlUrl, 3);
  await runMigrations(mysql.pool);
  boss = await startQueue({ url: POSTGRES_URL, schema: databases.queueSchema, logger: createLogger('silent') });
  const mysqlTarget = new URL(MYSQL_URL);
  const pgTarget = new URL(POSTGRES_URL);
  mysqlProxy = await TcpProxy.start(mysqlTarget.hostname, Number(mysqlTarget.port || 3306));
  pgProxy = await TcpProxy.start(pgTarget.hostname, Number(pgTarget.port || 5432));
}, 60_000);

afterAll(async () => {
  // Also when the test failed half-way: no worker outlives the suite.
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(receivers.map((r) => r.close()));
  await boss?.stop({ graceful: false });
  await mysql?.close();
  await mysqlProxy?.close();
  await pgProxy?.close();
  if (passed) await databases.drop();
});

describe('webhook deliveries under failure', () => {
  it('deliver every event to every receiver through failing receivers, a killed worker and a database outage', async () => {
    const encryptionKey = randomBytes(32).toString('base64');
    const env = testEnv(databases, {
      DATABASE_URL: mysqlProxy.route(databases.mysqlUrl),
      QUEUE_DATABASE_URL: pgProxy.route(POSTGRES_URL),
      ENCRYPTION_KEY: encryptionKey,
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_RETRY_SCHEDULE: `0,${Array(30).fill(1).join(',')}`,
      WEBHOOK_OUTBOX_POLL_MS: '100',
      QUEUE_SUPERVISE_INTERVAL_S: '2',
      WEBHOOK_SWEEP_GRACE_S: '5',
    });
    const config = loadConfig(env);
    const deps = { db: mysql.db, boss, secrets: new SecretBox(Buffer.from(encryptionKey, 'base64')), settings: webhookSettings(config) };
    const org = await createOrganization(mysql.db, system, { name: 'Chaos GC' });

    const erroring = await WebhookReceiver.start();
    erroring.behaviour = failFirst({ status: 500 });
    const hanging = await WebhookReceiver.start();
    hanging.behaviour = failFirst({ status: 200, delayMs: 3000 });
    const resetting = await WebhookReceiver.start();
    resetting.behaviour = failFirst({ reset: true });
    // Down at first: its port is reserved, then closed, and opened again later.
    const comeback = await WebhookReceiver.start();
    const comebackUrl = comeback.url;
    await comeback.close();
    receivers.push(erroring, hanging, resetting);

    const secrets = new Map<string, string>();
    for (const [i, url] of [erroring.url, hanging.url, resetting.url, comebackUrl].entries()) {
      const created = await createWebhook(deps, system, org.id, { name: `receiver ${i}`, url, events: ['import.*'] });
      secrets.set(url, created.secret);
    }

    // Which messages each receiver answered 2xx, verifying every signature on the way.
    const acked = new Map<WebhookReceiver, Set<string>>();
    const wrap = (receiver: WebhookReceiver, url: string) => {
      const inner = receiver.behaviour;
      const verifier = new Verifier(secrets.get(url)!);
      receiver.behaviour = (n, delivery) => {
        verifier.verify(delivery.body, delivery.headers);
        const answer = inner(n, delivery);
        if ('status' in answer && answer.status < 300 && !answer.delayMs) {
          const set = acked.get(receiver) ?? new Set<string>();
          set.add(delivery.headers['webhook-id']!);
          acked.set(receiver, set);
        }
        return answer;
      };
    };
    wrap(erroring, erroring.url);
    wrap(hanging, hanging.url);
    wrap(resetting, resetting.url);

    let worker = await startWorkerProcess(env, 60_000);
    workers.push(worker);
    const messageIds = new Set<string>();
    for (let i = 0; i < EVENTS; i += 1) {
      const emitted = await emitEvent(
        mysql.db,
        importCompleted,
        { importJobId: String(i), importType: 'vendors', fileName: `f${i}.csv`, projectId: null, totalRows: i, insertedRows: i, updatedRows: 0, skippedRows: 0, failedRows: 0 },
        { organizationId: org.id },
      );
      messageIds.add(emitted.messageId);
    }

    // Kill the worker with deliveries in flight, and start another.
    await eventually(async () => erroring.received.length + hanging.received.length + resetting.received.length >= 60, 60_000, 20);
    worker.child.kill('SIGKILL');
    await new Promise((resolve) => worker.child.once('exit', resolve));
    worker = await startWorkerProcess(env, 60_000);
    workers.push(worker);

    // Both databases drop every connection and refuse new ones for three seconds.
    await eventually(async () => acknowledged(erroring, acked).size >= 80, 60_000, 20).catch(async (error: unknown) => {
      const [rows] = await mysql.pool.query<RowDataPacket[]>('SELECT status, attempt_count, COUNT(*) AS n FROM webhook_deliveries GROUP BY status, attempt_count');
      const pgc = new pg.Client({ connectionString: POSTGRES_URL });
      await pgc.connect();
      const jobs = await pgc.query(`SELECT name, state, heartbeat_seconds, retry_count, start_after < now() AS due, count(*) AS n FROM "${databases.queueSchema}".job GROUP BY 1,2,3,4,5 ORDER BY 1,2`);
      await pgc.end();
      throw new Error(`stalled after the restart: ${acknowledged(erroring, acked).size} acked; ${JSON.stringify(rows)}\n${JSON.stringify(jobs.rows)}\n${worker.output().slice(-4000)}`, { cause: error });
    });
    mysqlProxy.outage();
    pgProxy.outage();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    mysqlProxy.restore();
    pgProxy.restore();

    // The last receiver comes back.
    const back = await WebhookReceiver.start('/hooks', Number(new URL(comebackUrl).port));
    receivers.push(back);
    wrap(back, comebackUrl);

    try {
      await eventually(async () => [erroring, hanging, resetting, back].every((r) => acknowledged(r, acked).size === EVENTS), 120_000, 200);
    } catch (error) {
      const sizes = [erroring, hanging, resetting, back].map((r) => acknowledged(r, acked).size);
      throw new Error(`not every event was acknowledged: ${sizes.join(', ')} of ${EVENTS}\n${worker.output().slice(-3000)}`, { cause: error });
    }
    for (const receiver of [erroring, hanging, resetting, back]) {
      expect([...acknowledged(receiver, acked)].sort()).toEqual([...messageIds].sort());
    }
    const [states] = await mysql.pool.query<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status');
    await eventually(async () => {
      const [rows] = await mysql.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'");
      return Number(rows[0]!['n']) === EVENTS * 4;
    }, 30_000).catch(() => {
      throw new Error(`deliveries not all succeeded: ${JSON.stringify(states)}`);
    });
    await worker.stop();
    passed = true;
  }, 300_000);
});
