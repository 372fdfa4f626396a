// bench:sync: the initial QuickBooks Online pull of 20,000 objects, and an incremental sync.
//
// The QuickBooks simulator (test/simulators/quickbooks, bundled with esbuild for this run) runs in
// a process of its own (scripts/bench-sync-simulator.mjs) with Intuit's limits: 500 requests per minute and 10 at once per company, and a
// latency per API request (BENCH_SYNC_LATENCY_MS, default 100 ms: Intuit answers in 100 ms to 1 s).
// The sync engine (dist/, as in production) runs in this process, against a fresh MariaDB database,
// connected through the real OAuth flow.
//
// Phases:
//   fetch only   every page the pull needs, read with the connector's client and thrown away:
//                what talking to QuickBooks costs without writing anything;
//   full pull    20,000 objects (4,000 vendors, 6,000 bills, 6,000 invoices, 2,000 payments,
//                2,000 bill payments) into platform records and links: the time, the minimum the
//                rate limit alone imposes (requests ÷ 500 per minute) and their ratio (goal ≤ 1.2);
//   incremental  100 objects changed in QuickBooks, then an incremental pull: requests used (goal ≤ 3).
//
// Env: BENCH_SYNC_OBJECTS (20000), BENCH_SYNC_LATENCY_MS (100), BENCH_SYNC_CHANGES (100), DATABASE_URL.
// Everything created (a MariaDB database, the bundled simulator) is removed at the end.
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { freshDatabase, loadDist, machineInfo, onCleanup, positiveInt, printTable, ROOT, runBench, seconds, stopProcess, tempDir } from './bench-support.mjs';

const OBJECTS = positiveInt('BENCH_SYNC_OBJECTS', 20_000);
const LATENCY_MS = Number(process.env.BENCH_SYNC_LATENCY_MS ?? 100);
const CHANGES = positiveInt('BENCH_SYNC_CHANGES', 100);
const PER_MINUTE = 500;
const CLIENT = { clientId: 'bench-client', clientSecret: 'bench-secret', redirectUris: ['http://localhost:4000/api/v1/integrations/oauth/callback'] };

/** Bundles the simulator and starts it in a child process; returns a proxy of its control API. */
async function startSimulator() {
  const dir = await tempDir('bench-sync');
  const outfile = path.join(dir, 'quickbooks-simulator.mjs');
  await build({ entryPoints: [path.join(ROOT, 'test/simulators/quickbooks/server.ts')], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error' });
  const child = fork(path.join(ROOT, 'scripts/bench-sync-simulator.mjs'), [outfile, String(OBJECTS), String(LATENCY_MS), JSON.stringify(CLIENT)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  onCleanup('stop the simulator', () => stopProcess(child));
  const pending = new Map();
  let next = 0;
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
    child.on('message', (message) => {
      if (message.ready) return resolve();
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.result);
    });
  });
  const call = (op, ...args) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, args });
    });
  return { call, info: await call('info') };
}

async function main() {
  const loadAt = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`bench:sync — ${machineInfo()}; load average at start ${loadAt()}`);
  const { call, info: sim } = await startSimulator();
  const seeded = sim;

  const database = await freshDatabase();
  const [{ loadConfig }, { createLogger }, { connectMySql }, { runMigrations }, { SecretBox }, integrations, quickbooks, organizations] = await loadDist(
    'platform/config.js',
    'platform/logging/logger.js',
    'platform/db/mysql.js',
    'platform/db/migrate.js',
    'platform/crypto/secret-box.js',
    'modules/integrations/index.js',
    'modules/quickbooks/index.js',
    'modules/organizations/index.js',
  );
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    QUICKBOOKS_CLIENT_ID: CLIENT.clientId,
    QUICKBOOKS_CLIENT_SECRET: CLIENT.clientSecret,
    QUICKBOOKS_AUTHORIZE_URL: sim.authorizeUrl,
    QUICKBOOKS_TOKEN_URL: sim.tokenUrl,
    QUICKBOOKS_API_BASE_URL: sim.url,
    PUBLIC_URL: 'http://localhost:4000',
  });
  const logger = createLogger('warn', { bench: 'sync' });
  const mysql = connectMySql(database.url, 10);
  onCleanup('close MariaDB', () => mysql.close());
  await runMigrations(mysql.pool);
  const secrets = SecretBox.fromPassphrase('bench');
  const connector = quickbooks.quickbooksConnector(config);
  const registry = new integrations.ConnectorRegistry([connector]);
  const settings = integrations.integrationSettings(config);
  const deps = { db: mysql.db, boss: null, secrets, registry, settings, logger };
  const actor = { type: 'system', id: 'bench' };
  const org = await organizations.createOrganization(mysql.db, actor, { name: 'Bench Builders' });
  const { project } = await organizations.createProject(mysql.db, actor, { organizationId: org.id, name: 'Bench Tower', code: 'BENCH' });
  const { connection } = await integrations.createIntegration(deps, actor, org.id, { type: 'quickbooks', name: 'QuickBooks', projectId: project.id });
  const { authorizeUrl } = await integrations.startConnect(deps, actor, org.id, connection.id);
  const redirect = new URL((await fetch(authorizeUrl, { redirect: 'manual' })).headers.get('location'));
  await integrations.completeConnect(deps, Object.fromEntries(redirect.searchParams));

  // fetch only: the same pages through the connector's client, nothing written.
  await call('resetStats');
  const api = connector.sync.open({
    connectionId: connection.id,
    organizationId: org.id,
    account: sim.realmId,
    config: {},
    logger,
    accessToken: () => integrations.accessTokenOf(deps, connector.sync.oauth, connection.id),
  });
  let fetched = 0;
  const fetchStarted = performance.now();
  for (const entity of connector.sync.entities) for await (const page of api.listAll(entity.remote)) fetched += page.objects.length;
  const fetchMs = performance.now() - fetchStarted;
  const fetchRequests = api.requestCount();
  // A fresh minute window for the measured pull.
  await new Promise((resolve) => setTimeout(resolve, 0));
  await call('advanceTime', 61_000);

  await call('resetStats');
  const engine = { db: mysql.db, secrets, logger, registry, settings };
  const started = performance.now();
  const full = await integrations.runSync(engine, { connectionId: connection.id, direction: 'pull', mode: 'full', trigger: 'api' });
  const fullMs = performance.now() - started;
  const [[log]] = await mysql.pool.query('SELECT * FROM integration_sync_logs WHERE id = ?', [full.logId]);
  const simStats = await call('stats');
  if (full.status !== 'completed') throw new Error(`the full pull failed: ${JSON.stringify(log.error_log)}`);
  const floorMs = (log.request_count / PER_MINUTE) * 60_000;

  // incremental: CHANGES objects edited in QuickBooks.
  for (let i = 0; i < CHANGES; i++) {
    if (i % 2 === 0) await call('change', 'Vendor', seeded.vendorIds[i], { DisplayName: `Vendor ${i} Renamed LLC` });
    else await call('change', 'Bill', seeded.billIds[i], { DueDate: '2024-05-30' });
  }
  await call('advanceTime', 61_000);
  await call('resetStats');
  const incStarted = performance.now();
  const inc = await integrations.runSync(engine, { connectionId: connection.id, direction: 'pull', mode: 'incremental', trigger: 'api' });
  const incMs = performance.now() - incStarted;
  const [[incLog]] = await mysql.pool.query('SELECT * FROM integration_sync_logs WHERE id = ?', [inc.logId]);

  console.log(`\nsimulator: ${PER_MINUTE} requests/min and 10 concurrent per company, ${LATENCY_MS} ms per API request; ${OBJECTS} objects (${Object.entries(seeded.counts).map(([k, v]) => `${v} ${k}`).join(', ')})\n`);
  printTable(
    ['phase', 'objects', 'requests', 'time s', 'rate-limit floor s', 'ratio', 'notes'],
    [
      ['fetch only', fetched, fetchRequests, seconds(fetchMs).toFixed(2), ((fetchRequests / PER_MINUTE) * 60).toFixed(2), (fetchMs / ((fetchRequests / PER_MINUTE) * 60_000)).toFixed(2), 'pages read, nothing written'],
      [
        'full pull',
        log.records_processed,
        log.request_count,
        seconds(fullMs).toFixed(2),
        seconds(floorMs).toFixed(2),
        (fullMs / floorMs).toFixed(2),
        `${log.records_created} created, ${log.records_failed} failed, 429s seen ${simStats.rateLimited}, max concurrent ${simStats.maxConcurrentSeen}`,
      ],
      ['incremental', incLog.records_processed, incLog.request_count, seconds(incMs).toFixed(2), '', '', `${incLog.records_updated} updated (goal: ≤ 3 requests)`],
    ],
    [1, 2, 3, 4, 5],
  );
  const ok = log.records_created === OBJECTS && incLog.request_count <= 3 && incLog.records_updated === CHANGES;
  const outside = 1 - fetchMs / fullMs;
  const where =
    outside > 0
      ? `the pull spends ${(outside * 100).toFixed(0)} % of its time outside the HTTP exchange (mapping, MariaDB writes of records and links)`
      : 'mapping and MariaDB writes hide entirely behind the fetching of the next pages';
  const fellBack = (incLog.error_log ?? []).filter((e) => e.code === 'full_pull');
  if (fellBack.length) console.log(`\nthe incremental sync fell back to a full pull: ${fellBack[0].message}`);
  console.log(`\nload average at end ${loadAt()}`);
  console.log(`\nratio goal ≤ 1.2: ${fullMs / floorMs <= 1.2 ? 'met' : 'not met'}; ${where}.`);
  if (!ok) console.error('unexpected counts: see the table');
  return ok ? 0 : 1;
}

await runBench('bench:sync', main);
