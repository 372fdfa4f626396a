// bench:api: what authentication + rate limiting cost per request.
//
// Runs the same GraphQL query (`viewer`) against two server processes built from dist/:
//   (a) the normal path: API key (cached check) + MySQL rate-limit counters on every request;
//   (b) INSECURE_NO_AUTH_ORG_ID: no key, no rate limiting; the baseline.
// and reports requests/s and latency for each and the ratio (a)/(b), goal >= 0.90.
//
// Assumes dist/ is built and the databases run (`npm run bench:api` does both). Everything it
// creates (a MariaDB database, two pg-boss schemas, two servers) is removed at the end, also
// on failure and on Ctrl-C (bench-support's runBench and cleanup registry).
//
// Env: BENCH_CONNECTIONS (20), BENCH_DURATION (10 s per measured round), BENCH_WARMUP (3 s),
//      BENCH_ROUNDS (2 per mode), DATABASE_URL / QUEUE_DATABASE_URL (servers to use; default:
//      the ones scripts/services.sh starts), BENCH_LOG_LEVEL (servers' LOG_LEVEL, default warn).
//
// Exit status: 0 when the measurement completed (even below the goal: this is a measurement,
// not a test); 1 when something failed or any request got a non-2xx / wrong answer.
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { dropQueueSchemas, freePort, freshDatabase, isStopping, machineInfo, onCleanup, positiveInt, POSTGRES_URL, ROOT, runBench, stopProcess, suffix } from './bench-support.mjs';

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

const logDir = os.tmpdir();
/** Set once the run succeeded: the servers' logs are then removed, else kept and named. */
let succeeded = false;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ---------------------------------------------------------------- setup ---

/** Runs dist/cli.js against the bench database; resolves with its stdout, trimmed. */
async function cli(databaseUrl, ...args) {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    });
    return stdout.trim();
  } catch (error) {
    throw new Error(`trestle ${args.join(' ')} failed: ${(error.stderr || error.message).trim()}`, { cause: error });
  }
}

/** pg-boss schemas of this run's servers, dropped at cleanup (after the servers have stopped). */
const schemas = [];
function dropSchemasAtCleanup() {
  onCleanup('drop the pg-boss schemas', () => dropQueueSchemas(schemas));
}


function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Spawns dist/main.js with `env` on a free port; resolves once /readyz answers 200. */
async function startServer(label, databaseUrl, env) {
  if (isStopping()) throw new Error('stopping');
  const port = await freePort();
  const queueSchema = `bench_${label}_${suffix}`;
  schemas.push(queueSchema);
  const logFile = path.join(logDir, `trestle-bench-${suffix}-${label}.log`);
  const logFd = openSync(logFile, 'w');
  // Runs after the server has stopped (cleanups run newest first).
  onCleanup(`remove ${logFile}`, () => {
    if (succeeded) rmSync(logFile, { force: true });
    else console.error(`server (${label}) log: ${logFile}`);
  });
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
      DATABASE_URL: databaseUrl,
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
  onCleanup(`stop server (${label})`, () => stopProcess(child));
  const server = { label, port, child, logFile, url: `http://127.0.0.1:${port}` };

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

/** One autocannon run; Ctrl-C stops it (through the cleanup registry). */
function run(server, headers, expectBody, seconds) {
  return new Promise((resolve, reject) => {
    if (isStopping()) return reject(new Error('stopping'));
    let unregister = () => undefined;
    const current = autocannon(
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
        unregister();
        if (error) reject(error);
        else resolve(result);
      },
    );
    unregister = onCleanup('stop the load', () => current.stop());
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
  const db = await freshDatabase();
  // `org create` applies the migrations, so the two servers find the schema ready and never race.
  const orgId = await cli(db.url, 'org', 'create', ORG_NAME);
  const key = await cli(db.url, 'key', 'create', '--org', orgId, '--scopes', '*', '--name', 'bench', '--rate-limit', String(KEY_RATE_LIMIT));

  dropSchemasAtCleanup();
  const [a, b] = await Promise.all([
    startServer('a', db.url, {}),
    startServer('b', db.url, { INSECURE_NO_AUTH_ORG_ID: orgId }),
  ]);
  const modes = [
    { id: 'a', title: '(a) API key + rate limiting', server: a, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } },
    { id: 'b', title: '(b) authentication off', server: b, headers: { 'content-type': 'application/json' } },
  ];
  for (const mode of modes) mode.expectBody = await sampleQuery(mode.server, mode.headers, orgId);

  console.log(`bench:api  query Viewer, ${CONNECTIONS} connections, ${ROUNDS} x ${DURATION_S} s per mode (after ${WARMUP_S} s warmup), ${machineInfo()}`);

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
  succeeded = true;
  return 0;
}

await runBench('bench:api', main);
