// bench:soak: mixed load for minutes, watching what a short bench cannot see: memory that keeps
// growing, a webhook backlog that never drains, latency that drifts.
//
// One server process with its worker (as `npm start` runs it, same V8 flags) against a fresh
// database and pg-boss schema, with:
//   - API requests at a fixed rate (open loop: sent on schedule, not after the previous answer),
//     alternating `viewer` and a page of `vendors`;
//   - a 50,000-row vendor CSV import started every minute (upload + executeImport over GraphQL);
//   - one webhook endpoint, on a local receiver, subscribed to vendor.* (the records the imports
//     write), so every imported row is one event to deliver.
// Every 5 s it samples the server's RSS and the delivery backlog (outbox events not yet fanned
// out + deliveries not yet succeeded). At the end it prints throughput, latency percentiles, the
// backlog over time, RSS (start, peak, end, slope in MB/min after the first minute) and the load
// average at start and end. Reference: the same requests' latency measured alone, before the
// load, in the same run (ratio p50 under load / p50 alone).
//
// Usage: npm run bench:soak [-- MINUTES]     (or BENCH_SOAK_MINUTES; default 2)
// Env:   BENCH_SOAK_RATE (API requests/s, 20), BENCH_SOAK_ROWS (rows per import, 50000),
//        BENCH_SOAK_DRAIN_S (how long to wait for the backlog to drain at the end, 300),
//        BENCH_SOAK_NODE_ARGS (extra node flags for the server, e.g. "--expose-gc
//        --heapsnapshot-signal=SIGUSR2" to take heap snapshots with kill -USR2),
//        BENCH_LOG_LEVEL (server's LOG_LEVEL, warn), DATABASE_URL / QUEUE_DATABASE_URL.
//
// Exit status 0 when the run completed (it measures, it does not judge); 1 when something failed.
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { dropQueueSchemas, freePort, freshDatabase, isStopping, onCleanup, positiveInt, POSTGRES_URL, ROOT, runBench, stopProcess, suffix } from './bench-support.mjs';

const MINUTES = Number(process.argv[2] ?? process.env.BENCH_SOAK_MINUTES ?? 2);
const RATE = positiveInt('BENCH_SOAK_RATE', 20);
const ROWS = positiveInt('BENCH_SOAK_ROWS', 50_000);
const DRAIN_S = positiveInt('BENCH_SOAK_DRAIN_S', 300);
const SAMPLE_MS = 5_000;


if (!(MINUTES > 0)) {
  console.error(`minutes must be a positive number, got ${JSON.stringify(process.argv[2] ?? process.env.BENCH_SOAK_MINUTES)}`);
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const loadavg = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den ? num / den : NaN;
}


async function cli(databaseUrl, ...args) {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
  });
  return stdout.trim();
}

function rssMB(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Number(line.split(/\s+/)[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** The receiver: answers 200 at once and counts receipts and distinct message ids. */
async function startReceiver() {
  const ids = new Set();
  const stats = { receipts: 0, ids };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      stats.receipts += 1;
      ids.add(req.headers['webhook-id']);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup('stop the receiver', () => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${server.address().port}/hooks`, stats, close: () => server.closeAllConnections() };
}

async function graphql(url, key, query, variables) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors) throw new Error(`${res.status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
  return body.data;
}

const CREATE_IMPORT = 'mutation($input: CreateImportInput!) { createImport(input: $input) { importJob { id status } } }';
const EXECUTE_IMPORT = 'mutation($id: ID!) { executeImport(id: $id) { id status } }';
const IMPORT_JOB = 'query($id: ID!) { importJob(id: $id) { id status processedRows } }';
const REQUESTS = [
  JSON.stringify({ query: 'query { viewer { organization { id name } scopes } }' }),
  JSON.stringify({ query: 'query { vendors(first: 20) { nodes { id code name } pageInfo { hasNextPage } } }' }),
];

async function startImport(url, key, n) {
  const lines = ['Vendor Code,Name'];
  for (let i = 0; i < ROWS; i += 1) lines.push(`S${n}-V${i},Soak vendor ${n}-${i}`);
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: CREATE_IMPORT, variables: { input: { type: 'VENDORS', file: null } } }));
  form.append('map', JSON.stringify({ 0: ['variables.input.file'] }));
  form.append('0', new Blob([lines.join('\n')]), `soak-${n}.csv`);
  const res = await fetch(url, { method: 'POST', headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${key}` }, body: form });
  const body = await res.json();
  if (body.errors) throw new Error(`createImport: ${JSON.stringify(body.errors).slice(0, 300)}`);
  const id = body.data.createImport.importJob.id;
  await graphql(url, key, EXECUTE_IMPORT, { id });
  return id;
}

/** Fires requests on schedule for `ms`; resolves with their latencies (ms) and failures. */
async function apiLoad(url, key, ms, latencies, failures) {
  const interval = 1000 / RATE;
  const start = performance.now();
  const pending = new Set();
  for (let i = 0; performance.now() - start < ms && !isStopping(); i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    const p = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: REQUESTS[i % REQUESTS.length] })
      .then(async (res) => {
        const text = await res.text();
        if (res.status !== 200 || text.includes('"errors"')) failures.push(`${res.status} ${text.slice(0, 120)}`);
        latencies.push(performance.now() - sent);
      })
      .catch((error) => failures.push(error.message))
      .finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
}

async function main() {
  const loadStart = loadavg();
  console.log(`bench:soak ${MINUTES} min: ${RATE} API requests/s, a ${ROWS}-row import each minute, one webhook endpoint on vendor.*`);
  console.log(`machine: ${os.cpus().length} cores, load average at start ${loadStart}`);

  const db = await freshDatabase();
  const schema = `bench_soak_${suffix}`;
  onCleanup('drop the pg-boss schema', () => dropQueueSchemas([schema]));
  const orgId = await cli(db.url, 'org', 'create', 'Soak Org');
  const key = await cli(db.url, 'key', 'create', '--org', orgId, '--scopes', '*', '--name', 'soak', '--rate-limit', '1000000');
  const receiver = await startReceiver();

  const port = await freePort();
  const logFile = path.join(os.tmpdir(), `trestle-soak-${suffix}.log`);
  const logFd = openSync(logFile, 'w');
  let succeeded = false;
  onCleanup(`remove ${logFile}`, () => (succeeded ? rmSync(logFile, { force: true }) : console.error(`server log: ${logFile}`)));
  const nodeArgs = ['--max-semi-space-size=8', '--heap-growing-percent=30', ...(process.env.BENCH_SOAK_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
  const child = spawn(process.execPath, [...nodeArgs, '--import', './dist/platform/module-hooks.js', 'dist/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
      DATABASE_URL: db.url,
      QUEUE_DATABASE_URL: POSTGRES_URL,
      QUEUE_SCHEMA: schema,
      RUN_WORKER: 'true',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      RATE_LIMIT_SPIKE: '100000000',
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    },
  });
  closeSync(logFd);
  onCleanup('stop the server', () => stopProcess(child));
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/graphql`;
  for (let ready = false, deadline = Date.now() + 60_000; !ready; ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start; ${logFile}`);
    ready = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
    if (!ready) await sleep(200);
  }
  await graphql(url, key, 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }', {
    input: { name: 'soak receiver', url: receiver.url, events: ['vendor.*'] },
  });

  // Reference: the same requests alone, before any other load.
  const refLatencies = [];
  const refFailures = [];
  await apiLoad(url, key, 10_000, refLatencies, refFailures);
  const refSorted = [...refLatencies].sort((a, b) => a - b);

  const stats = await mysql.createConnection(db.url);
  onCleanup('close the stats connection', () => stats.end());
  const backlog = async () => {
    const [[outbox]] = await stats.query('SELECT COUNT(*) AS n FROM outbox_events WHERE dispatched_at IS NULL');
    const [[deliveries]] = await stats.query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status IN ('pending', 'delivering')");
    return Number(outbox.n) + Number(deliveries.n);
  };

  const t0 = Date.now();
  const samples = [];
  const sample = async () => samples.push({ t: (Date.now() - t0) / 60_000, rss: rssMB(child.pid), backlog: await backlog(), received: receiver.stats.ids.size });
  await sample();
  const sampler = setInterval(() => void sample().catch(() => undefined), SAMPLE_MS);
  onCleanup('stop sampling', () => clearInterval(sampler));

  const imports = [];
  const importFailures = [];
  const importer = (async () => {
    for (let n = 0; n < Math.ceil(MINUTES) && !isStopping(); n += 1) {
      const startedAt = Date.now();
      // A server too busy to take the upload is a finding, not the end of the run.
      await startImport(url, key, n).then(
        (id) => imports.push({ n, startedAt, id }),
        (error) => importFailures.push(`#${n + 1}: ${error.message}`),
      );
      const next = t0 + (n + 1) * 60_000;
      if (n + 1 < Math.ceil(MINUTES)) await sleep(Math.max(0, next - Date.now()));
    }
  })();
  const latencies = [];
  const failures = [];
  const loadStartedAt = performance.now();
  await apiLoad(url, key, MINUTES * 60_000, latencies, failures);
  const loadSeconds = (performance.now() - loadStartedAt) / 1000;
  await importer;
  const loadEndRss = rssMB(child.pid);

  // Imports to finish, then the backlog to drain.
  const expectedEvents = imports.length * ROWS;
  const drainDeadline = Date.now() + DRAIN_S * 1000;
  let done = 0;
  while (Date.now() < drainDeadline && !isStopping()) {
    const states = await Promise.all(imports.map((i) => graphql(url, key, IMPORT_JOB, { id: i.id }).then((d) => d.importJob.status, () => 'unknown')));
    done = states.filter((s) => s === 'COMPLETED').length;
    if (done === imports.length && receiver.stats.ids.size >= expectedEvents && (await backlog().catch(() => 1)) === 0) break;
    await sleep(2_000);
  }
  const drainedAfter = (Date.now() - t0) / 60_000 - MINUTES;
  clearInterval(sampler);
  await sample();

  const sorted = [...latencies].sort((a, b) => a - b);
  const p = (q) => round(percentile(sorted, q));
  const rs = samples.map((s) => s.rss).filter(Number.isFinite);
  const underLoad = samples.filter((s) => s.t <= MINUTES);
  // After the first minute (start-up and first allocations); over the whole load if it is shorter.
  const steady = underLoad.filter((s) => s.t >= 1).length >= 2 ? underLoad.filter((s) => s.t >= 1) : underLoad;
  const afterFirst = steady.map((s) => [s.t, s.rss]);

  console.log('\nAPI requests');
  console.log(`  sent ${latencies.length + failures.length} in ${round(loadSeconds)} s: ${round(latencies.length / loadSeconds)} answered/s, ${failures.length} failed${failures.length ? ` (first: ${failures[0]})` : ''}`);
  console.log(`  latency under load  p50 ${p(50)} ms  p95 ${p(95)} ms  p99 ${p(99)} ms  max ${round(sorted.at(-1) ?? NaN)} ms`);
  console.log(`  latency alone (reference, 10 s)  p50 ${round(percentile(refSorted, 50))} ms  p95 ${round(percentile(refSorted, 95))} ms  p99 ${round(percentile(refSorted, 99))} ms`);
  console.log(`  ratio p50 under load / alone: ${round(percentile(sorted, 50) / percentile(refSorted, 50), 2)}`);
  console.log('\nImports');
  for (const i of imports) {
    const row = await stats.query('SELECT status, inserted_rows, TIMESTAMPDIFF(MICROSECOND, started_at, completed_at) / 1e6 AS secs FROM import_jobs WHERE id = ?', [i.id]).then(([r]) => r[0]);
    console.log(`  #${i.n + 1}: ${row.status}, ${row.inserted_rows} rows${row.secs ? ` in ${round(Number(row.secs))} s (${Math.round(row.inserted_rows / Number(row.secs))} rows/s)` : ''}`);
  }
  for (const failure of importFailures) console.log(`  not started ${failure}`);
  console.log('\nWebhook deliveries (vendor.* events, one per imported row)');
  console.log(`  events ${expectedEvents}, distinct received ${receiver.stats.ids.size}, receipts ${receiver.stats.receipts} (${receiver.stats.receipts - receiver.stats.ids.size} duplicates)`);
  console.log(`  drained ${done === imports.length && receiver.stats.ids.size >= expectedEvents ? `${round(Math.max(0, drainedAfter), 2)} min after the load stopped` : `NOT within ${DRAIN_S} s`}`);
  console.log('  backlog over time (min: outbox + deliveries pending, delivered so far):');
  for (const s of samples.filter((_, i) => i % 6 === 0 || i === samples.length - 1)) console.log(`    ${round(s.t, 1).toFixed(1).padStart(5)}  ${String(s.backlog).padStart(7)}  ${s.received}`);
  console.log('\nServer RSS (MB)');
  console.log(`  start ${round(rs[0])}, peak ${round(Math.max(...rs))}, end of load ${round(loadEndRss)}, end ${round(rs.at(-1))}`);
  console.log(`  slope under load after the first minute: ${round(slope(afterFirst), 2)} MB/min`);
  console.log(`\nload average at start ${loadStart}, at end ${loadavg()}`);
  if (failures.length || refFailures.length) return 1;
  succeeded = true;
  return 0;
}

void runBench('bench:soak', main);

