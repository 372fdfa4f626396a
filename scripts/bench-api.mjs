// bench:api: what authentication + rate limiting cost per request.
//
// Runs the same GraphQL query (`viewer`) against two server processes built from dist/:
//   (a) the normal path: API key (cached check) + MySQL rate-limit counters on every request;
//   (b) INSECURE_NO_AUTH_ORG_ID: no key, no rate limiting; the baseline.
// and reports requests/s and latency for each and the ratio (a)/(b), goal >= 0.90.
//
// Assumes dist/ is built and the databases run (`npm run bench:api` does both). Everything it
// creates (a MariaDB database, two pg-boss schemas, two servers) is removed at the end, also
// on failure and on Ctrl-C.
//
// Env: BENCH_CONNECTIONS (20), BENCH_DURATION (10 s per measured round), BENCH_WARMUP (3 s),
//      BENCH_ROUNDS (2 per mode), DATABASE_URL / QUEUE_DATABASE_URL (servers to use; default:
//      the ones scripts/services.sh starts), BENCH_LOG_LEVEL (servers' LOG_LEVEL, default warn).
//
// Exit status: 0 when the measurement completed (even below the goal: this is a measurement,
// not a test); 1 when something failed or any request got a non-2xx / wrong answer.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import mysql from 'mysql2/promise';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MYSQL_URL = process.env.DATABASE_URL || 'mysql://trestle:trestle@127.0.0.1:53306/trestle';
const POSTGRES_URL = process.env.QUEUE_DATABASE_URL || 'postgres://postgres@127.0.0.1:55432/trestle';

const CONNECTIONS = positiveInt('BENCH_CONNECTIONS', 20);
const DURATION_S = positiveInt('BENCH_DURATION', 10);
const WARMUP_S = positiveInt('BENCH_WARMUP', 3);
const ROUNDS = positiveInt('BENCH_ROUNDS', 2);
const GOAL = 0.9;

const QUERY = 'query Viewer { viewer { organization { id name } scopes } }';
const BODY = JSON.stringify({ query: QUERY, operationName: 'Viewer' });
const ORG_NAME = 'Bench Org';
// The largest hourly limit a key may have. A run sends far fewer requests than this; if a very
// long run ever exhausts it, the refusals show up as non-2xx and the run fails loudly.
const KEY_RATE_LIMIT = 1_000_000;

const suffix = randomBytes(4).toString('hex');
const benchDb = `trestle_bench_${suffix}`;
const benchDbUrl = withDatabase(MYSQL_URL, benchDb);
const logDir = os.tmpdir();

/** What cleanup() must undo; filled in as things get created. */
const created = { database: false, schemas: [], servers: [] };
/** The autocannon run in progress, so Ctrl-C can stop it. */
let currentRun;
let signalled = false;

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ---------------------------------------------------------------- setup ---

async function createDatabase() {
  // Connect to the server without selecting a database: the one in DATABASE_URL may not exist.
  const admin = await mysql.createConnection(withDatabase(MYSQL_URL, ''));
  try {
    await admin.query(`CREATE DATABASE \`${benchDb}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    created.database = true;
  } finally {
    await admin.end();
  }
}

/** Runs dist/cli.js against the bench database; resolves with its stdout, trimmed. */
async function cli(...args) {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: benchDbUrl, LOG_LEVEL: 'warn' },
    });
    return stdout.trim();
  } catch (error) {
    throw new Error(`trestle ${args.join(' ')} failed: ${(error.stderr || error.message).trim()}`, { cause: error });
  }
}

/** A port nothing listens on right now (the server binds it a moment later). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Spawns dist/main.js with `env` on a free port; resolves once /readyz answers 200. */
async function startServer(label, env) {
  const port = await freePort();
  const queueSchema = `bench_${label}_${suffix}`;
  created.schemas.push(queueSchema);
  const logFile = path.join(logDir, `trestle-bench-${suffix}-${label}.log`);
  const logFd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      // The server refuses INSECURE_NO_AUTH_ORG_ID in production; both modes run the same way.
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
      DATABASE_URL: benchDbUrl,
      QUEUE_DATABASE_URL: POSTGRES_URL,
      QUEUE_SCHEMA: queueSchema,
      RUN_WORKER: 'false',
      // Measure the cost of counting, never refusals: the burst window must not bind.
      RATE_LIMIT_SPIKE: '100000000',
      RATE_LIMIT_SPIKE_WINDOW_S: '10',
      // Empty counts as unset: an INSECURE_NO_AUTH_ORG_ID in the caller's env must not leak into (a).
      INSECURE_NO_AUTH_ORG_ID: '',
      ...env,
    },
  });
  closeSync(logFd); // the child has its own copy
  const server = { label, port, child, logFile, url: `http://127.0.0.1:${port}` };
  created.servers.push(server);

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server (${label}) exited with ${child.exitCode ?? child.signalCode} while starting; ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`server (${label}) was not ready within 60 s; ${logFile}:\n${tail(logFile)}`);
}

/**
 * One request by hand before any load: the answer must hold the bench org, so neither mode can
 * look fast by failing fast. Returns the exact body, which autocannon then expects every time.
 */
async function sampleQuery(server, headers, orgId) {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: BODY });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const org = json?.data?.viewer?.organization;
  if (res.status !== 200 || json?.errors || String(org?.id) !== orgId || org?.name !== ORG_NAME) {
    throw new Error(`server (${server.label}) answered the sample query with ${res.status}: ${text.slice(0, 500)}`);
  }
  return text;
}

// ----------------------------------------------------------------- load ---

function run(server, headers, expectBody, seconds) {
  return new Promise((resolve, reject) => {
    currentRun = autocannon(
      {
        url: `${server.url}/graphql`,
        method: 'POST',
        headers,
        body: BODY,
        expectBody,
        connections: CONNECTIONS,
        duration: seconds,
      },
      (error, result) => {
        currentRun = undefined;
        if (error) reject(error);
        else resolve(result);
      },
    );
  });
}

/** Problems in one autocannon result; empty when every request got a 2xx with the right body. */
function problemsOf(label, result) {
  const problems = [];
  if (result.non2xx) {
    const codes = Object.entries(result.statusCodeStats ?? {})
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, { count }]) => `${code} x${count}`)
      .join(', ');
    problems.push(`(${label}) ${result.non2xx} non-2xx responses (${codes})`);
  }
  // A non-2xx body is a mismatch too; report bodies only when they are the whole story.
  else if (result.mismatches) problems.push(`(${label}) ${result.mismatches} responses with an unexpected body`);
  if (result.errors) problems.push(`(${label}) ${result.errors} connection errors (${result.timeouts} timeouts)`);
  return problems;
}

// ----------------------------------------------------------------- main ---

async function main() {
  await createDatabase();
  // `org create` applies the migrations, so the two servers find the schema ready and never race.
  const orgId = await cli('org', 'create', ORG_NAME);
  const key = await cli('key', 'create', '--org', orgId, '--scopes', '*', '--name', 'bench', '--rate-limit', String(KEY_RATE_LIMIT));

  const [a, b] = await Promise.all([
    startServer('a', {}),
    startServer('b', { INSECURE_NO_AUTH_ORG_ID: orgId }),
  ]);
  const modes = [
    { id: 'a', title: '(a) API key + rate limiting', server: a, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } },
    { id: 'b', title: '(b) authentication off', server: b, headers: { 'content-type': 'application/json' } },
  ];
  for (const mode of modes) mode.expectBody = await sampleQuery(mode.server, mode.headers, orgId);

  const cpus = os.cpus();
  const header =
    `bench:api  query Viewer, ${CONNECTIONS} connections, ${ROUNDS} x ${DURATION_S} s per mode (after ${WARMUP_S} s warmup), ` +
    `Node ${process.version}, ${cpus[0]?.model?.trim() ?? 'unknown CPU'} x${cpus.length}`;
  console.log(header);

  // Interleaved so that a slow patch of a noisy machine hits both modes, not one of them.
  const problems = [];
  for (const mode of modes) {
    console.log(`  warmup ${mode.id} ${WARMUP_S} s …`);
    problems.push(...problemsOf(`${mode.id}, warmup`, await run(mode.server, mode.headers, mode.expectBody, WARMUP_S)));
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of modes) {
      const result = await run(mode.server, mode.headers, mode.expectBody, DURATION_S);
      problems.push(...problemsOf(`${mode.id}, round ${round}`, result));
      (mode.rounds ??= []).push({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
      console.log(
        `  round ${round} ${mode.id}: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
      );
    }
  }

  const summary = {};
  const medianRps = {};
  for (const mode of modes) {
    medianRps[mode.id] = median(mode.rounds.map((r) => r.rps));
    summary[mode.id] = {
      rps: Math.round(medianRps[mode.id]),
      p50: median(mode.rounds.map((r) => r.p50)),
      p99: median(mode.rounds.map((r) => r.p99)),
      rounds: mode.rounds.map((r) => Math.round(r.rps)),
    };
  }
  const ratio = Math.round((medianRps.a / medianRps.b) * 100) / 100;

  const row = (title, rps, p50, p99) => `${title.padEnd(30)}${String(rps).padStart(8)}${String(p50).padStart(10)}${String(p99).padStart(10)}`;
  console.log('');
  console.log(row('mode', 'req/s', 'p50 ms', 'p99 ms'));
  for (const mode of modes) {
    const s = summary[mode.id];
    console.log(row(mode.title, s.rps, s.p50, s.p99));
  }
  const verdict = problems.length ? 'INVALID: failed requests, see below' : ratio < GOAL ? 'below goal' : 'met';
  console.log(`ratio (a)/(b): ${ratio.toFixed(2)}   (goal >= ${GOAL.toFixed(2)}: ${verdict})`);
  console.log(`BENCH_API_JSON ${JSON.stringify({ ...summary, ratio, ok: problems.length === 0, connections: CONNECTIONS, durationS: DURATION_S, rounds: ROUNDS })}`);

  if (problems.length) {
    console.error(`\nWARNING: not every request succeeded, so the figures above mean little:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  return 0;
}

// -------------------------------------------------------------- cleanup ---

function stopServer({ child }) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function doCleanup() {
  const step = async (what, fn) => {
    try {
      await fn();
    } catch (error) {
      console.error(`cleanup: could not ${what}: ${error.message}`);
    }
  };
  currentRun?.stop();
  // Servers first: they hold connections into the database and schemas dropped below.
  await Promise.all(created.servers.map((server) => step(`stop server (${server.label})`, () => stopServer(server))));
  if (created.database) {
    await step(`drop database ${benchDb}`, async () => {
      const conn = await mysql.createConnection(withDatabase(MYSQL_URL, ''));
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${benchDb}\``);
      } finally {
        await conn.end();
      }
    });
  }
  if (created.schemas.length) {
    await step(`drop schemas ${created.schemas.join(', ')}`, async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        for (const schema of created.schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    });
  }
}

let cleanupPromise;
const cleanup = () => (cleanupPromise ??= doCleanup());

/** Cleans up once and exits; server logs are kept (and named) unless the run succeeded. */
async function finish(code) {
  await cleanup();
  if (code === 0) for (const { logFile } of created.servers) rmSync(logFile, { force: true });
  else if (created.servers.length) console.error(`server logs: ${created.servers.map((s) => s.logFile).join(' ')}`);
  process.exit(code);
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(signal, () => {
    if (signalled) process.exit(code); // second Ctrl-C: give up on cleaning
    signalled = true;
    console.error(`\n${signal}: stopping and cleaning up …`);
    void finish(code);
  });
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  if (!signalled) console.error(`bench:api failed: ${error instanceof Error ? error.message : error}`);
}
// After a signal, the handler's finish() owns the exit.
if (!signalled) await finish(exitCode);
