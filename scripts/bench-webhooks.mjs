// bench:webhooks: throughput and latency of webhook delivery, outbox to receiver.
//
// A worker process (dist/worker.js, as in production) delivers events that this process writes
// to the outbox of a fresh database, to RECEIVERS HTTP receivers on loopback run by this process.
// Every event goes to every receiver (all subscribe to import.*), signed, through the relay,
// pg-boss and the delivery jobs.
//
// Phases:
//   reference  the same number of signed POSTs sent straight from this process, 100 at a time:
//              the physical floor (no outbox, no queue, no database);
//   burst      EVENTS events written at once: deliveries/s until the last one arrived;
//   steady     RATE events/s for STEADY_S seconds: latency from the commit of the event to its
//              arrival at the receiver, p50 and p99;
//   failing    the same with 30 % of the receivers answering 500: latency at the healthy ones
//              (isolation: a failing endpoint must not delay the others) and attempts/s in all.
//   mixed      30 % of the receivers still failing, events produced for STEP_S seconds at each
//              of MIXED_RATES deliveries/s (events/s x receivers), while a bulk write of
//              BULK_ROWS vendor.created events goes to a record subscriber in the default
//              recordEvents mode (BATCH): the backlog of the healthy endpoints is sampled every
//              second; it keeps up when the backlog at the end of a step is under two seconds of
//              production. Run MIXED_RUNS times; the median of the runs is printed.
//
// Goals (2 cores): >= 1,000 deliveries/s, p50 < 1 s.
//
// Env: BENCH_WEBHOOK_EVENTS (1000), BENCH_WEBHOOK_RECEIVERS (10), BENCH_WEBHOOK_RATE (50 events/s),
//      BENCH_WORKER_POOL (the worker's DB_POOL_SIZE), BENCH_WORKER_PROF (a folder: CPU profile of the worker),
//      BENCH_WEBHOOK_STEADY_S (10), BENCH_WEBHOOK_MIXED_RATES (250,500,1000), BENCH_WEBHOOK_STEP_S (8),
//      BENCH_WEBHOOK_MIXED_RUNS (3), BENCH_WEBHOOK_BULK_ROWS (5000), DATABASE_URL / QUEUE_DATABASE_URL.
// Everything created (a MariaDB database, a PostgreSQL schema, the worker) is removed at the end.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  dropQueueSchemas,
  freshDatabase,
  loadDist,
  machineInfo,
  onCleanup,
  perSecond,
  positiveInt,
  POSTGRES_URL,
  printTable,
  ROOT,
  runBench,
  stopProcess,
  suffix,
} from './bench-support.mjs';

const EVENTS = positiveInt('BENCH_WEBHOOK_EVENTS', 1000);
const RECEIVERS = positiveInt('BENCH_WEBHOOK_RECEIVERS', 10);
const RATE = positiveInt('BENCH_WEBHOOK_RATE', 50);
const STEADY_S = positiveInt('BENCH_WEBHOOK_STEADY_S', 10);
const MIXED_RATES = (process.env.BENCH_WEBHOOK_MIXED_RATES ?? '250,500,1000').split(',').map(Number);
const STEP_S = positiveInt('BENCH_WEBHOOK_STEP_S', 8);
const MIXED_RUNS = positiveInt('BENCH_WEBHOOK_MIXED_RUNS', 3);
const BULK_ROWS = positiveInt('BENCH_WEBHOOK_BULK_ROWS', 5000);
const GOAL_RPS = 1000;
const GOAL_P50_MS = 1000;
const SYSTEM = { type: 'system', id: 'bench' };

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A receiver on loopback: answers `status`, records when each message id arrived (first time). */
async function startReceiver() {
  const receiver = { status: 200, arrivals: new Map(), requests: 0, connections: 0, url: '' };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      receiver.requests += 1;
      const id = req.headers['webhook-id'];
      if (receiver.status < 300 && id && !receiver.arrivals.has(id)) receiver.arrivals.set(id, performance.timeOrigin + performance.now());
      res.writeHead(receiver.status).end();
    });
  });
  server.on('connection', () => (receiver.connections += 1));
  server.keepAliveTimeout = 5000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${server.address().port}/hooks`;
  onCleanup('close a receiver', () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return receiver;
}

/** Starts dist/worker.js against the bench's databases; resolves once it runs. */
function startWorker(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(process.env.BENCH_WORKER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WORKER_PROF}`] : []), path.join(ROOT, 'dist/worker.js')], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(`stop worker ${child.pid}`, () => stopProcess(child));
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      if (output.includes('worker is running')) resolve(child);
      for (const line of chunk.toString().split('\n')) if (/"level":(4|5|6)0/.test(line)) console.log(`  [worker] ${line.slice(0, 300)}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${output.slice(-2000)}`)));
  });
}

async function main() {
  const loadStart = os.loadavg();
  const [{ connectMySql }, { runMigrations }, { createOrganization }, { createWebhook }, { webhookSettings }, { SecretBox }, { emitEvent, emitEvents }, { importCompleted }, { loadConfig }, { postOnce }, { signedHeaders }, { recordEvent }] =
    await loadDist(
      'platform/db/mysql.js',
      'platform/db/migrate.js',
      'modules/organizations/index.js',
      'modules/webhooks/webhooks.service.js',
      'modules/webhooks/index.js',
      'platform/crypto/secret-box.js',
      'platform/events/outbox.js',
      'modules/imports/index.js',
      'platform/config.js',
      'platform/http/outbound.js',
      'modules/webhooks/webhooks.signing.js',
      'modules/records/index.js',
    );
  console.log(`bench:webhooks — ${machineInfo()}`);
  console.log(`${EVENTS} events x ${RECEIVERS} receivers; steady phases at ${RATE} events/s for ${STEADY_S} s\n`);

  const db = await freshDatabase();
  const queueSchema = `bench_wh_${suffix}`;
  onCleanup(`drop schema ${queueSchema}`, () => dropQueueSchemas([queueSchema]));
  const encryptionKey = randomBytes(32).toString('base64');
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: db.url,
    QUEUE_DATABASE_URL: POSTGRES_URL,
    QUEUE_SCHEMA: queueSchema,
    ENCRYPTION_KEY: encryptionKey,
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    ...(process.env.BENCH_WORKER_POOL ? { DB_POOL_SIZE: process.env.BENCH_WORKER_POOL } : {}),
  };
  const config = loadConfig(env);
  const conn = connectMySql(db.url, 8);
  onCleanup('close the MySQL pool', () => conn.close());
  await runMigrations(conn.pool);
  const secrets = new SecretBox(Buffer.from(encryptionKey, 'base64'));
  const deps = { db: conn.db, boss: null, secrets, settings: webhookSettings(config) };
  const org = await createOrganization(conn.db, SYSTEM, { name: 'Bench GC' });
  const receivers = [];
  const plainSecrets = [];
  for (let i = 0; i < RECEIVERS; i += 1) {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const created = await createWebhook(deps, SYSTEM, org.id, { name: `receiver ${i}`, url: receiver.url, events: ['import.*'] });
    plainSecrets.push(created.secret);
  }

  // Reference: the same signed POSTs, straight from here, 100 in flight.
  const total = EVENTS * RECEIVERS;
  const body = JSON.stringify({ type: 'import.completed', timestamp: new Date().toISOString(), data: { importJobId: '1' } });
  let next = 0;
  const refStart = performance.now();
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < total) {
        const n = next++;
        const headers = { 'content-type': 'application/json', ...signedHeaders([plainSecrets[n % RECEIVERS]], `msg_ref${n}`, Math.floor(Date.now() / 1000), body) };
        await postOnce(receivers[n % RECEIVERS].url, body, { policy: deps.settings.policy, timeoutMs: 15_000, maxBodyBytes: 2048, headers });
      }
    }),
  );
  const refMs = performance.now() - refStart;
  for (const r of receivers) r.arrivals.clear();

  await startWorker(env);

  const emitted = new Map();
  const payload = (i) => ({ importJobId: String(i), importType: 'vendors', fileName: `f${i}.csv`, projectId: null, totalRows: 1, insertedRows: 1, updatedRows: 0, skippedRows: 0, failedRows: 0 });
  /** Writes `count` events, `perTx` per transaction; records each one's commit time. */
  async function emit(count, perTx) {
    for (let done = 0; done < count; ) {
      const ids = [];
      const n = Math.min(perTx, count - done);
      await conn.db.transaction(async (tx) => {
        for (let i = 0; i < n; i += 1) ids.push((await emitEvent(tx, importCompleted, payload(done + i), { organizationId: org.id })).messageId);
      });
      const committed = performance.timeOrigin + performance.now();
      for (const id of ids) emitted.set(id, committed);
      done += n;
    }
    return emitted;
  }
  async function waitDelivered(ids, among, timeoutMs = 600_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = among.reduce((sum, r) => sum + ids.filter((id) => !r.arrivals.has(id)).length, 0);
      if (missing === 0) return;
      if (Date.now() > deadline) throw new Error(`${missing} deliveries missing after ${timeoutMs / 1000} s`);
      await sleep(50);
    }
  }
  function latencies(ids, among) {
    const values = [];
    for (const r of among) for (const id of ids) values.push(r.arrivals.get(id) - emitted.get(id));
    return values.sort((a, b) => a - b);
  }
  async function steady() {
    const ids = [];
    const start = performance.now();
    for (let s = 0; s < STEADY_S * 10; s += 1) {
      const before = emitted.size;
      await emit(Math.max(1, Math.round(RATE / 10)), 100);
      ids.push(...[...emitted.keys()].slice(before));
      const due = start + (s + 1) * 100;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    return ids;
  }

  // Burst: every event at once.
  const burstStart = performance.timeOrigin + performance.now();
  await emit(EVENTS, 100);
  const burstIds = [...emitted.keys()];
  await waitDelivered(burstIds, receivers);
  const burstEnd = Math.max(...receivers.flatMap((r) => burstIds.map((id) => r.arrivals.get(id))));
  const burstMs = burstEnd - burstStart;

  // Steady, all healthy.
  const steadyIds = await steady();
  await waitDelivered(steadyIds, receivers);
  const steadyLat = latencies(steadyIds, receivers);

  // Steady with 30 % failing.
  const failing = receivers.slice(0, Math.round(RECEIVERS * 0.3));
  const healthy = receivers.slice(failing.length);
  for (const r of failing) r.status = 500;
  const requestsBefore = receivers.reduce((s, r) => s + r.requests, 0);
  const failStart = performance.now();
  const failIds = await steady();
  await waitDelivered(failIds, healthy);
  const failMs = performance.now() - failStart;
  const failLat = latencies(failIds, healthy);
  const attempts = receivers.reduce((s, r) => s + r.requests, 0) - requestsBefore;

  // Mixed: 30 % failing, rising production, a bulk write to a record subscriber (BATCH).
  const bulkReceiver = await startReceiver();
  await createWebhook(deps, SYSTEM, org.id, { name: 'records', url: bulkReceiver.url, events: ['vendor.created'] });
  const healthyIds = new Set();
  const [hookRows] = await conn.pool.query('SELECT id, url FROM webhooks WHERE organization_id = ?', [org.id]);
  for (const row of hookRows) if (healthy.some((r) => r.url === row.url)) healthyIds.add(Number(row.id));
  async function healthyBacklog() {
    const [[deliveries]] = await conn.pool.query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status IN ('pending', 'delivering') AND webhook_id IN (?)", [[...healthyIds]]);
    // Only the events the healthy endpoints subscribe to (the bulk write's go to the record subscriber).
    const [[events]] = await conn.pool.query("SELECT COUNT(*) AS n FROM outbox_events WHERE dispatched_at IS NULL AND event_type LIKE 'import.%'");
    return Number(deliveries.n) + Number(events.n) * healthy.length;
  }
  const arrivedAtHealthy = () => healthy.reduce((sum, r) => sum + r.arrivals.size, 0);
  async function mixedStep(rate) {
    const eventsPerSecond = Math.max(1, Math.round(rate / RECEIVERS));
    const before = arrivedAtHealthy();
    const bulkBefore = bulkReceiver.requests;
    let maxBacklog = 0;
    const start = performance.now();
    const bulk = emitEvents(conn.db, recordEvent('vendors', 'created'), Array.from({ length: BULK_ROWS }, (_, i) => ({ data: { id: String(i + 1), originId: `ERP-${i}`, projectId: null, record: { code: `V${i}`, name: `Vendor ${i}` } }, organizationId: org.id })));
    for (let s = 0; s < STEP_S * 10; s += 1) {
      await emit(Math.max(1, Math.round(eventsPerSecond / 10)), 100);
      if (s % 10 === 9) maxBacklog = Math.max(maxBacklog, await healthyBacklog());
      const wait = start + (s + 1) * 100 - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await bulk;
    const stepMs = performance.now() - start;
    const endBacklog = await healthyBacklog();
    const stepDelivered = arrivedAtHealthy() - before;
    // Deliveries produced: events written x every receiver.
    const produced = Math.max(1, Math.round(eventsPerSecond / 10)) * STEP_S * 10 * RECEIVERS;
    // Drain what is left before the next step, so each step starts from an empty backlog.
    const drainStart = performance.now();
    while ((await healthyBacklog()) > 0 && performance.now() - drainStart < 120_000) await sleep(200);
    // Throughput over the step and its drain: everything produced for the healthy endpoints, delivered.
    const delivered = arrivedAtHealthy() - before;
    const totalMs = performance.now() - start;
    return {
      rate,
      producedPerSecond: perSecond(produced, stepMs),
      healthyDeliveredPerSecond: perSecond(delivered, totalMs),
      healthyDeliveredInStep: perSecond(stepDelivered, stepMs),
      healthyProducedPerSecond: perSecond((produced / RECEIVERS) * healthy.length, stepMs),
      maxBacklog,
      endBacklog,
      keptUp: endBacklog <= 2 * (produced / RECEIVERS) * (healthy.length / STEP_S),
      drainMs: performance.now() - drainStart,
      bulkMessages: bulkReceiver.requests - bulkBefore,
    };
  }
  const runs = [];
  for (let run = 0; run < MIXED_RUNS; run += 1) {
    const steps = [];
    for (const rate of MIXED_RATES) steps.push(await mixedStep(rate));
    runs.push(steps);
  }
  const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const mixedRows = MIXED_RATES.map((rate, i) => {
    const of = (field) => median(runs.map((steps) => Number(steps[i][field])));
    const kept = runs.filter((steps) => steps[i].keptUp).length;
    return [
      `mixed ${rate}/s, 30 % failing`,
      String(of('producedPerSecond')),
      String(of('healthyProducedPerSecond')),
      String(of('healthyDeliveredPerSecond')),
      String(of('maxBacklog')),
      String(of('endBacklog')),
      `${(of('drainMs') / 1000).toFixed(1)} s`,
      `${kept}/${runs.length}`,
      String(of('bulkMessages')),
    ];
  });

  const burstRps = perSecond(total, burstMs);
  const connections = receivers.reduce((s, r) => s + r.connections, 0);
  const refRps = perSecond(total, refMs);
  const ms = (v) => `${Math.round(v)} ms`;
  console.log('');
  printTable(
    ['phase', 'deliveries', 'seconds', 'deliveries/s', 'p50', 'p99', 'goal'],
    [
      ['reference: signed POSTs only', String(total), (refMs / 1000).toFixed(1), String(refRps), '', '', ''],
      ['burst through the outbox', String(total), (burstMs / 1000).toFixed(1), String(burstRps), '', '', `>= ${GOAL_RPS}/s ${burstRps >= GOAL_RPS ? 'met' : 'NOT met'}`],
      ['burst / reference', '', '', (burstRps / refRps).toFixed(2), '', '', ''],
      [`steady ${RATE} events/s`, String(steadyIds.length * RECEIVERS), String(STEADY_S), '', ms(percentile(steadyLat, 50)), ms(percentile(steadyLat, 99)), `p50 < ${GOAL_P50_MS} ms ${percentile(steadyLat, 50) < GOAL_P50_MS ? 'met' : 'NOT met'}`],
      [`30 % failing: healthy endpoints`, String(failIds.length * healthy.length), (failMs / 1000).toFixed(1), '', ms(percentile(failLat, 50)), ms(percentile(failLat, 99)), `p50 < ${GOAL_P50_MS} ms ${percentile(failLat, 50) < GOAL_P50_MS ? 'met' : 'NOT met'}`],
      [`30 % failing: attempts, all endpoints`, String(attempts), (failMs / 1000).toFixed(1), String(perSecond(attempts, failMs)), '', '', ''],
    ],
    [1, 2, 3, 4, 5],
  );
  console.log(`\nTCP connections accepted by the receivers in all phases: ${connections} (keep-alive reuses them)`);
  console.log(`\nMixed load, median of ${MIXED_RUNS} runs, ${STEP_S} s a step (${BULK_ROWS} vendor.created events written in one statement during each step, to a BATCH subscriber):`);
  printTable(
    ['step', 'produced/s (all)', 'produced/s (healthy)', 'delivered/s (healthy, step+drain)', 'max backlog', 'backlog at end', 'drain after', 'kept up', 'bulk-write messages'],
    mixedRows,
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  const healthyRates = mixedRows.map((row) => Number(row[3]));
  console.log(`healthy delivered/s / reference signed POSTs/s (${refRps}/s): ${healthyRates.map((r) => (r / refRps).toFixed(3)).join(', ')}`);
  const loadEnd = os.loadavg();
  console.log(`load average at start ${loadStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadEnd.map((l) => l.toFixed(2)).join(' ')}`);
  return 0;
}

await runBench('bench:webhooks', main);
