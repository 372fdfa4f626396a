import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMySql } from '../../src/platform/db/mysql.js';
import { emitEvents } from '../../src/platform/events/outbox.js';
import { createOrganization } from '../../src/modules/organizations/index.js';
import { createApiKey } from '../../src/modules/keys/index.js';
import { importCompleted } from '../../src/modules/imports/index.js';
import { CreateImportDocument, CreateWebhookDocument, ExecuteImportDocument, ImportProgressDocument } from '../generated/graphql.js';
import { startServerProcess, startWorkerProcess, type ServerProcess } from '../support/server-process.js';
import { execute } from '../support/test-app.js';
import { eventually, executeWithFile } from '../support/upload.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { subscribe, wsClient } from '../support/ws-client.js';
import { DatabasePair, type ServerName } from './database-pair.js';

/*
 * A real server process and a real worker process on a database pair of the suite's own. In
 * each case a large CSV import runs, webhook deliveries are in flight to a local receiver and a
 * graphql-ws client follows the import; then MariaDB is killed (SIGKILL) for 60 s, or
 * PostgreSQL for 30 s, and started again. In the end every row is imported exactly once, every
 * event reached the receiver (duplicates only as the webhook contract allows: the same
 * webhook-id again, which a receiver deduplicates on), and the subscriber got COMPLETED.
 * Requests made while MariaDB is down must be answered, not left hanging.
 */

const ROWS = Number(process.env['FAULTS_IMPORT_ROWS'] ?? 60_000);
const EVENTS = Number(process.env['FAULTS_EVENTS'] ?? 300);
const system = { type: 'system' as const, id: 'faults' };

const pair = new DatabasePair();
let database: string;
let mysqlUrl: string;
let server: ServerProcess;
let worker: Omit<ServerProcess, 'url'>;
let receiver: WebhookReceiver;
let passed = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  await pair.start();
  const created = await pair.createDatabases('outages');
  database = created.database;
  mysqlUrl = created.mysqlUrl;
  receiver = await WebhookReceiver.start();
  // Answers take a while, so deliveries are in flight when a server dies.
  receiver.behaviour = () => ({ status: 200, delayMs: 100 });
  const env = {
    DATABASE_URL: mysqlUrl,
    QUEUE_DATABASE_URL: pair.postgresUrl,
    QUEUE_SCHEMA: created.queueSchema,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    WEBHOOK_TIMEOUT_MS: '5000',
    // Retries every 2 s for four minutes: an outage must not exhaust them.
    WEBHOOK_RETRY_SCHEDULE: `0,${Array(120).fill(2).join(',')}`,
    WEBHOOK_OUTBOX_POLL_MS: '200',
    QUEUE_SUPERVISE_INTERVAL_S: '5',
    IMPORT_HEARTBEAT_S: '10',
    DB_POOL_SIZE: '5',
    RUN_WORKER: 'false',
  };
  server = await startServerProcess(env, 120_000);
  worker = await startWorkerProcess(env, 120_000);
}, 300_000);

afterAll(async () => {
  // The pair is left running for the next run; only what this run made is removed, and only when it passed.
  await pair.start().catch(() => undefined);
  await worker?.stop();
  await server?.stop();
  await receiver?.close();
  if (passed === 2 && database) await pair.dropDatabase(database);
}, 120_000);

/** An organization with a key and a webhook on the receiver for import events. */
async function tenant(name: string): Promise<{ organizationId: number; key: string }> {
  const conn = connectMySql(mysqlUrl, 2);
  try {
    const org = await createOrganization(conn.db, system, { name });
    const created = await createApiKey(conn.db, system, null, { organizationId: org.id, name: 'faults', scopes: ['*'] }, 1_000_000);
    const key = created.plaintext;
    const hook = await execute(server.url, CreateWebhookDocument, { input: { name: 'receiver', url: receiver.url, events: ['import.*'] } }, { key });
    if (!hook.data) throw new Error(JSON.stringify(hook.errors));
    return { organizationId: org.id, key };
  } finally {
    await conn.close();
  }
}

/** Emits `count` import.completed events through the outbox, as committed changes would; returns their message ids. */
async function emitBurst(organizationId: number, count: number, tag: string): Promise<void> {
  const conn = connectMySql(mysqlUrl, 2);
  try {
    const items = Array.from({ length: count }, (_, i) => ({
      organizationId,
      data: { importJobId: `${tag}-${i}`, importType: 'vendors', fileName: `${tag}.csv`, projectId: null, totalRows: i, insertedRows: i, updatedRows: 0, skippedRows: 0, failedRows: 0 },
    }));
    await emitEvents(conn.db, importCompleted, items);
  } finally {
    await conn.close();
  }
}

/** Receipts of this organization's events: total, distinct webhook-ids, and the import job ids they name. */
function receipts(tag: string, jobId: string) {
  const mine = receiver.received.filter((d) => d.body.includes(`"${tag}-`) || d.body.includes(`"importJobId":"${jobId}"`));
  const ids = new Set(mine.map((d) => d.headers['webhook-id']));
  const named = new Set(mine.map((d) => (JSON.parse(d.body) as { data: { importJobId: string } }).data.importJobId));
  return { total: mine.length, distinct: ids.size, named };
}

/** A request while a database is down must be answered (within 30 s); what it answered is reported. */
async function probe(key: string, jobId: string): Promise<{ status: number | string; ms: number }> {
  const started = Date.now();
  try {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'query($id: ID!) { importJob(id: $id) { id status } }', variables: { id: jobId } }),
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: Date.now() - started };
  } catch (error) {
    return { status: `no answer (${(error as Error).name})`, ms: Date.now() - started };
  }
}

async function counts(organizationId: number): Promise<{ n: number; codes: number; inserted: number }> {
  return eventually(async () => {
    const conn = await mysql.createConnection(mysqlUrl).catch(() => null);
    if (!conn) return null;
    try {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n, COUNT(DISTINCT code) AS codes FROM vendors WHERE organization_id = ?', [organizationId]);
      const [jobs] = await conn.query<RowDataPacket[]>('SELECT inserted_rows FROM import_jobs WHERE organization_id = ?', [organizationId]);
      return { n: Number(rows[0]!['n']), codes: Number(rows[0]!['codes']), inserted: Number(jobs[0]!['inserted_rows']) };
    } finally {
      await conn.end();
    }
  }, 120_000, 1000);
}

async function outage(target: ServerName, seconds: number): Promise<void> {
  const tag = `${target}-${randomBytes(2).toString('hex')}`;
  const { organizationId, key } = await tenant(`Faults ${tag}`);
  const csv = ['Vendor Code,Name', ...Array.from({ length: ROWS }, (_, i) => `${tag}-V${i},Vendor ${i}`)].join('\n');
  const created = await executeWithFile(server.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: `${tag}.csv`, content: csv }, { key });
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  const jobId = created.data.createImport.importJob.id;

  const sub = subscribe(wsClient(server.url.replace(/^http/, 'ws'), { Authorization: `Bearer ${key}` }), ImportProgressDocument, { jobId });
  expect((await sub.next(30_000)).importProgress.status).toBe('PENDING');
  const executed = await execute(server.url, ExecuteImportDocument, { id: jobId }, { key });
  if (!executed.data) throw new Error(JSON.stringify(executed.errors));
  await emitBurst(organizationId, EVENTS, tag);

  // Mid-import and mid-delivery: some rows in, some events received, neither finished.
  for (;;) {
    const event = (await sub.next(120_000)).importProgress;
    if (event.processedRows >= ROWS / 10) break;
    expect(event.status).not.toBe('COMPLETED');
  }
  const before = receipts(tag, jobId);
  await pair.kill(target);
  const killedAt = Date.now();

  // Requests while MariaDB (or PostgreSQL) is down get an answer.
  const probes: Array<{ status: number | string; ms: number }> = [];
  for (const wait of [2_000, 20_000]) {
    await sleep(wait);
    probes.push(await probe(key, jobId));
  }
  await sleep(Math.max(0, seconds * 1000 - (Date.now() - killedAt)));
  await pair.start(target);
  const restartedAt = Date.now();

  // The subscriber gets the terminal event.
  let terminal = '';
  let lastProgress = 0;
  while (!['COMPLETED', 'FAILED', 'CANCELLED'].includes(terminal)) {
    const event = (await sub.next(600_000)).importProgress;
    terminal = event.status;
    lastProgress = event.processedRows;
  }
  const completedAfter = Date.now() - restartedAt;
  await sub.close();
  expect(terminal).toBe('COMPLETED');
  expect(lastProgress).toBe(ROWS);

  // Every row once.
  expect(await counts(organizationId)).toEqual({ n: ROWS, codes: ROWS, inserted: ROWS });

  // Every event delivered: the burst and the import's own import.completed.
  const expected = new Set([...Array.from({ length: EVENTS }, (_, i) => `${tag}-${i}`), jobId]);
  await eventually(async () => [...expected].every((id) => receipts(tag, jobId).named.has(id)), 600_000, 500).catch(() => {
    const got = receipts(tag, jobId);
    throw new Error(`missing deliveries: ${[...expected].filter((id) => !got.named.has(id)).slice(0, 20).join(', ')} (${got.named.size} of ${expected.size})`);
  });
  const after = receipts(tag, jobId);
  expect(after.distinct).toBe(expected.size);

  // Requests while down were answered, none left hanging. (While MariaDB is down the answer is
  // 500 as of 2026-12-08; a 503 with Retry-After is the aim, and this will then assert it.)
  for (const p of probes) expect(typeof p.status, `request while ${target} was down`).toBe('number');
  // Both processes rode it out.
  expect(server.child.exitCode).toBeNull();
  expect(worker.child.exitCode).toBeNull();

  console.log(
    `[faults] ${target} killed for ${seconds} s mid-import (${ROWS} rows, ${before.distinct} of ${expected.size} events received at the kill): ` +
      `requests while down answered ${probes.map((p) => `${p.status} in ${p.ms} ms`).join(', ')}; ` +
      `import COMPLETED ${Math.round(completedAfter / 1000)} s after the restart; receipts ${after.total} for ${after.distinct} events ` +
      `(${after.total - after.distinct} duplicates, same webhook-id)`,
  );
}

describe('outages of the databases mid-import and mid-delivery', () => {
  it('MariaDB killed for 60 s: every row once, every event delivered, the subscriber sees COMPLETED, requests answered', async () => {
    await outage('mariadb', 60);
    passed += 1;
  });

  it('PostgreSQL killed for 30 s: every row once, every event delivered, the subscriber sees COMPLETED', async () => {
    await outage('postgres', 30);
    passed += 1;
  });
});
