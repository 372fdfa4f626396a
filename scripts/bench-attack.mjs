// bench:attack: whether worst-case anonymous GraphQL requests can starve the server.
//
// Starts one server from dist/ and probes GET /healthz every 100 ms, first with nothing else
// going on (the reference), then while BENCH_ATTACKERS (20) clients send, each as fast as it is
// answered and without credentials, the most expensive requests the limits let through:
//   - aliased introspection: the whole schema's types and fields under QUERY_MAX_ALIASES aliases
//     (a 200 KB document of this shape once made a 141 MB answer);
//   - a document of QUERY_MAX_TOKENS + 1 tokens, just under QUERY_MAX_BYTES;
//   - a document over QUERY_MAX_BYTES, in a body just under BODY_LIMIT_BYTES;
//   - GraphiQL's full introspection query.
// It prints the largest /healthz latency in each phase and their ratio (goal: under 1 s while
// attacked), the server's resident memory at start, at its sampled peak and at the end, what
// the attackers were answered, and the load average at start and end.
//
// The anonymous rate limit (60 a minute per address by default) would refuse nearly all of the
// attack at the door; it is raised here so that every request reaches the query guard.
//
// Env: BENCH_ATTACKERS (20), BENCH_DURATION (15 s of attack), BENCH_REFERENCE (5 s), and the
//      server's own configuration (DATABASE_URL / QUEUE_DATABASE_URL or TRESTLE_MYSQL_PORT /
//      TRESTLE_PG_PORT, as the server reads them), BENCH_LOG_LEVEL (server's LOG_LEVEL, default warn).
//
// Exit status: 0 when the measurement completed (even above the goal); 1 when something failed,
// the server died, or an attack request was answered with data.
import { getIntrospectionQuery } from 'graphql';
import {
  dropServerSchemasAtCleanup,
  freshDatabase,
  isStopping,
  loadAverage,
  machineInfo,
  markSucceeded,
  positiveInt,
  rssOf,
  runBench,
  sleep,
  startBenchServer,
  toMB,
  benchCli,
} from './bench-support.mjs';

const ATTACKERS = positiveInt('BENCH_ATTACKERS', 20);
const DURATION_S = positiveInt('BENCH_DURATION', 15);
const REFERENCE_S = positiveInt('BENCH_REFERENCE', 5);
const GOAL_MS = 1000;
const PROBE_EVERY_MS = 100;

// The server's defaults (src/platform/config.ts); a bench run uses them unchanged.
const MAX_ALIASES = 30;
const MAX_TOKENS = 5000;
const MAX_QUERY_BYTES = 64 * 1024;
const BODY_LIMIT_BYTES = 1024 * 1024;

const dump = '__schema { types { name kind description fields(includeDeprecated: true) { name description args { name type { name kind ofType { name kind ofType { name } } } } type { name kind ofType { name kind ofType { name } } } } } }';
const ATTACKS = [
  { name: 'aliased introspection', body: JSON.stringify({ query: `{ ${Array.from({ length: MAX_ALIASES }, (_, i) => `s${i}: ${dump}`).join(' ')} }` }) },
  { name: 'token limit + 1', body: JSON.stringify({ query: `{ ${'__typename '.repeat(MAX_TOKENS + 1)} }` }) },
  { name: 'document over the limit', body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(Math.min(BODY_LIMIT_BYTES - 1024, MAX_QUERY_BYTES * 8))}` }) },
  { name: 'full introspection', body: JSON.stringify({ query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }) }) },
];

/** Probes /healthz until `signal` aborts; resolves with every latency in ms (a failed probe counts as its time to fail). */
async function probe(url, signal) {
  const latencies = [];
  let failures = 0;
  while (!signal.aborted) {
    const started = performance.now();
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) });
      await res.text();
      if (res.status !== 200) failures++;
    } catch {
      failures++;
    }
    latencies.push(performance.now() - started);
    await sleep(PROBE_EVERY_MS);
  }
  return { latencies, failures };
}

/** One attacker: sends the attacks in turn until `signal` aborts, counting answers by status. */
async function attacker(url, index, signal, statuses, problems) {
  for (let i = index; !signal.aborted && !isStopping(); i++) {
    const attack = ATTACKS[i % ATTACKS.length];
    try {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: attack.body });
      const text = await res.text();
      const key = `${attack.name}: ${res.status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (res.status === 200) problems.add(`${attack.name} was answered 200 (${text.length} bytes)`);
    } catch (error) {
      if (!signal.aborted) problems.add(`${attack.name}: ${error.message}`);
    }
  }
}

const max = (values) => values.reduce((m, v) => Math.max(m, v), 0);
const p50 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main() {
  const loadAtStart = loadAverage();
  const db = await freshDatabase();
  // `org create` applies the migrations before the server starts.
  await benchCli(db.url, 'org', 'create', 'Bench Org');
  dropServerSchemasAtCleanup();
  const server = await startBenchServer('attack', db.url, { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000000' });
  const rssAtStart = rssOf(server.child.pid);
  console.log(`bench:attack  ${ATTACKERS} anonymous attackers for ${DURATION_S} s (reference ${REFERENCE_S} s), ${machineInfo()}`);
  console.log(`  load average at start: ${loadAtStart}`);

  const reference = new AbortController();
  const referenceProbe = probe(server.url, reference.signal);
  await sleep(REFERENCE_S * 1000);
  reference.abort();
  const idle = await referenceProbe;

  const attack = new AbortController();
  const statuses = new Map();
  const problems = new Set();
  let peakRss = rssAtStart ?? 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssOf(server.child.pid) ?? 0);
  }, 100);
  const attacked = probe(server.url, attack.signal);
  const attackers = Array.from({ length: ATTACKERS }, (_, i) => attacker(server.url, i, attack.signal, statuses, problems));
  await sleep(DURATION_S * 1000);
  attack.abort();
  const [underAttack] = await Promise.all([attacked, ...attackers]);
  clearInterval(sampler);
  const rssAtEnd = rssOf(server.child.pid);
  if (server.child.exitCode !== null || server.child.signalCode !== null) problems.add(`the server died (${server.child.exitCode ?? server.child.signalCode})`);

  const idleMax = max(idle.latencies);
  const attackMax = max(underAttack.latencies);
  const ratio = idleMax > 0 ? attackMax / idleMax : 0;
  console.log('');
  console.log(`/healthz, idle:          max ${idleMax.toFixed(1)} ms, p50 ${p50(idle.latencies).toFixed(1)} ms, ${idle.latencies.length} probes, ${idle.failures} failed`);
  console.log(`/healthz, under attack:  max ${attackMax.toFixed(1)} ms, p50 ${p50(underAttack.latencies).toFixed(1)} ms, ${underAttack.latencies.length} probes, ${underAttack.failures} failed`);
  console.log(`max latency ratio attacked/idle: ${ratio.toFixed(1)}   (goal: max under attack < ${GOAL_MS} ms: ${attackMax < GOAL_MS && underAttack.failures === 0 ? 'met' : 'NOT met'})`);
  console.log(`server RSS: start ${toMB(rssAtStart ?? 0)} MB, peak ${toMB(peakRss)} MB, end ${toMB(rssAtEnd ?? 0)} MB`);
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  console.log(`attack requests answered: ${total} (${(total / DURATION_S).toFixed(0)}/s)`);
  for (const [key, count] of [...statuses].sort()) console.log(`  ${key} x${count}`);
  console.log(`  load average at end: ${loadAverage()}`);
  console.log(
    `BENCH_ATTACK_JSON ${JSON.stringify({ attackers: ATTACKERS, durationS: DURATION_S, idleMaxMs: Math.round(idleMax), attackMaxMs: Math.round(attackMax), ratio: Math.round(ratio * 10) / 10, probeFailures: underAttack.failures, rssMB: { start: toMB(rssAtStart ?? 0), peak: toMB(peakRss), end: toMB(rssAtEnd ?? 0) }, requests: total, ok: problems.size === 0 })}`,
  );
  if (problems.size) {
    console.error(`\nPROBLEMS:\n  ${[...problems].join('\n  ')}`);
    return 1;
  }
  markSucceeded();
  return 0;
}

await runBench('bench:attack', main);
