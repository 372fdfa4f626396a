// bench:export: throughput and memory of bulk exports (records read from MySQL in batches, written
// by the format's writer straight into the ZIP entry, then manifest.json).
//
// Seeds BENCH_EXPORT_ROWS vendors into a fresh database (multi-row INSERTs of 5000), then runs
// the compiled runExport in-process (no server, no queue) once per format, each in a child
// process of its own so that its peak RSS is that of the export alone. Each export's manifest
// must count every row, and its SHA-256 must be that of the data file in the ZIP.
//
// Reference, measured in the same run and the same way (a child process): the physical floor of
// reading and writing the same rows, i.e. one streamed mysql2 query of the exported columns
// written as CSV to a plain file, with no value checks, no formula neutralisation, no hashing and
// no ZIP. It runs before and after the exports and the faster run is kept (other work on the
// machine only ever slows a run down). Each export is printed as "export / reference" (its time
// over the reference's).
//
// Goal: CSV >= 200,000 rows/s. XLSX and JSON are measured and printed, without a goal.
//
// Env: BENCH_EXPORT_ROWS (500,000), BENCH_EXPORT_FORMATS (csv,xlsx,json; any of csv, xlsx, json,
//      ndjson, xml), BENCH_EXPORT_DEFLATE (deflate level of the data file, 0 stores; default: the
//      export's own), DATABASE_URL (server to use; default: the one scripts/services.sh starts),
//      BENCH_CPU_PROF_DIR (write a .cpuprofile of each export child there).
//
// Everything created (a MariaDB database, the temp folder) is removed at the end, also on failure
// and on Ctrl-C. Exit status: 0 when the measurement completed, even below the goal; 1 on failure
// or when a manifest does not count every row.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  childMain,
  childTmpDir,
  freshDatabase,
  loadDist,
  machineInfo,
  perSecond,
  positiveInt,
  printTable,
  runBench,
  runChild,
  startMemorySampler,
  suffix,
  sweep,
  tempDir,
  toMB,
  VENDOR_COLUMNS,
  vendorRow,
} from './bench-support.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const ROWS = positiveInt('BENCH_EXPORT_ROWS', 500_000);
const FORMATS = (process.env.BENCH_EXPORT_FORMATS || 'csv,xlsx,json').split(',').map((f) => f.trim()).filter(Boolean);
const GOAL_CSV_RPS = 200_000;
const SEED_BATCH = 5000;
const ACTOR = { type: 'system', id: 'bench' };
const DEFLATE = process.env.BENCH_EXPORT_DEFLATE ? Number(process.env.BENCH_EXPORT_DEFLATE) : undefined;
if (DEFLATE !== undefined && !(Number.isInteger(DEFLATE) && DEFLATE >= 0 && DEFLATE <= 9)) {
  console.error(`BENCH_EXPORT_DEFLATE must be 0 to 9, got ${JSON.stringify(process.env.BENCH_EXPORT_DEFLATE)}`);
  process.exit(2);
}
const HAS_UNZIP = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// ------------------------------------------------------------- child ---

/** One export, measured: argv = --child <format>; env BENCH_CHILD_DB_URL, BENCH_CHILD_ORG, BENCH_CHILD_STORE. */
async function childExport(format) {
  const [{ connectMySql }, { FileStore }, { createLogger }, { exportJobs, runExport }] = await loadDist(
    'platform/db/mysql.js',
    'platform/storage/file-store.js',
    'platform/logging/logger.js',
    'modules/exports/index.js',
  );
  const organizationId = Number(process.env.BENCH_CHILD_ORG);
  const conn = connectMySql(process.env.BENCH_CHILD_DB_URL, 4);
  const store = new FileStore(process.env.BENCH_CHILD_STORE);
  try {
    const [created] = await conn.db.insert(exportJobs).values({ organizationId, entityType: 'vendors', format, filters: {} });
    const id = created.insertId;
    const baselineRss = process.memoryUsage.rss();
    const memory = startMemorySampler(50);
    const t0 = performance.now();
    await runExport({ db: conn.db, store, logger: createLogger('warn') }, id, DEFLATE === undefined ? {} : { compressionLevel: DEFLATE });
    const ms = performance.now() - t0;
    const mem = memory.stop();
    const [[job]] = await conn.pool.query(
      'SELECT status, error_message AS errorMessage, row_count AS rowCount, file_key AS fileKey, file_size AS fileSize, manifest FROM export_jobs WHERE id = ?',
      [id],
    );
    const manifest = typeof job.manifest === 'string' ? JSON.parse(job.manifest) : job.manifest;
    // The manifest's hash must be that of the data file inside the ZIP (outside the timing).
    let dataSha256Matches = null;
    if (job.fileKey && HAS_UNZIP && manifest?.files?.length === 1) {
      const hash = createHash('sha256');
      const unzip = spawn('unzip', ['-p', store.resolve(job.fileKey), manifest.files[0].name], { stdio: ['ignore', 'pipe', 'inherit'] });
      for await (const chunk of unzip.stdout) hash.update(chunk);
      dataSha256Matches = hash.digest('hex') === manifest.files[0].sha256;
    }
    // The ZIP is not needed any more: keep the temp folder small between formats.
    if (job.fileKey) await rm(store.resolve(job.fileKey), { force: true });
    return {
      format,
      exportId: id,
      ms,
      baselineRssBytes: baselineRss,
      ...mem,
      status: job.status,
      errorMessage: job.errorMessage,
      rowCount: job.rowCount,
      zipBytes: Number(job.fileSize ?? 0),
      manifestRows: manifest?.totals?.rows ?? null,
      manifestFiles: (manifest?.files ?? []).map((f) => ({ name: f.name, rows: f.rows, bytes: f.bytes })),
      dataSha256Matches,
    };
  } finally {
    await conn.close();
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * The reference: one streamed query of the exported vendor columns (newest first, as the export)
 * written as CSV to a plain file. No value checks, no neutralisation, no hash, no ZIP.
 */
async function childReference() {
  const { default: mysql } = await import('mysql2');
  const organizationId = Number(process.env.BENCH_CHILD_ORG);
  const file = path.join(process.env.BENCH_CHILD_STORE, 'reference.csv');
  const conn = mysql.createConnection({ uri: process.env.BENCH_CHILD_DB_URL, timezone: 'Z', dateStrings: true, charset: 'utf8mb4_unicode_ci' });
  try {
    const baselineRss = process.memoryUsage.rss();
    const memory = startMemorySampler(50);
    const t0 = performance.now();
    await mkdir(path.dirname(file), { recursive: true });
    const out = createWriteStream(file);
    let rows = 0;
    let text = '';
    const query = conn.query({ sql: `SELECT ${VENDOR_COLUMNS.join(', ')} FROM vendors WHERE organization_id = ? ORDER BY id DESC`, values: [organizationId], rowsAsArray: true });
    for await (const row of query.stream({ highWaterMark: 1000 })) {
      let line = '';
      for (let i = 0; i < row.length; i++) {
        const v = row[i] === null ? '' : String(row[i]);
        line += (i ? ',' : '') + (NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
      }
      text += `${line}\r\n`;
      rows++;
      if (text.length >= 64 * 1024) {
        if (!out.write(text)) await once(out, 'drain');
        text = '';
      }
    }
    out.end(text);
    await once(out, 'close');
    const ms = performance.now() - t0;
    const mem = memory.stop();
    const bytes = (await stat(file)).size;
    await rm(file, { force: true });
    return { format: 'reference', ms, rows, bytes, baselineRssBytes: baselineRss, ...mem };
  } finally {
    conn.destroy();
  }
}

// ------------------------------------------------------------ parent ---

/** Multi-row INSERTs of SEED_BATCH vendors, one statement each (autocommit). */
async function seed(pool, organizationId) {
  const t0 = performance.now();
  const sql = `INSERT INTO vendors (organization_id, ${VENDOR_COLUMNS.join(', ')}) VALUES ?`;
  for (let start = 1; start <= ROWS; start += SEED_BATCH) {
    const batch = [];
    for (let i = start; i < start + SEED_BATCH && i <= ROWS; i++) batch.push([organizationId, ...vendorRow(i, false).map((v) => (v === '' ? null : v))]);
    await pool.query(sql, [batch]);
  }
  const [[{ n }]] = await pool.query('SELECT COUNT(*) AS n FROM vendors WHERE organization_id = ?', [organizationId]);
  if (Number(n) !== ROWS) throw new Error(`seeded ${n} vendors, expected ${ROWS}`);
  return performance.now() - t0;
}

function problemsOf(r) {
  const problems = [];
  if (r.status !== 'completed') problems.push(`export ${r.status}${r.errorMessage ? `: ${r.errorMessage}` : ''}`);
  if (r.rowCount !== ROWS) problems.push(`row_count ${r.rowCount}, expected ${ROWS}`);
  if (r.manifestRows !== ROWS) problems.push(`manifest counts ${r.manifestRows} rows, expected ${ROWS}`);
  if (r.manifestFiles.length !== 1 || r.manifestFiles[0].rows !== ROWS) problems.push(`manifest files ${JSON.stringify(r.manifestFiles)}`);
  if (r.dataSha256Matches === false) problems.push('the manifest SHA-256 is not that of the data file in the ZIP');
  return problems.map((p) => `${r.format}: ${p}`);
}

async function main() {
  const [{ connectMySql }, { runMigrations }, { createOrganization }, { EXPORT_FORMATS }] = await loadDist(
    'platform/db/mysql.js',
    'platform/db/migrate.js',
    'modules/organizations/index.js',
    'modules/exports/index.js',
  );
  const unknown = FORMATS.filter((f) => !EXPORT_FORMATS.includes(f));
  if (unknown.length || FORMATS.length === 0) {
    console.error(`BENCH_EXPORT_FORMATS: unknown ${unknown.join(', ') || '(none given)'}; known: ${EXPORT_FORMATS.join(', ')}`);
    return 2;
  }
  console.log(`bench:export  vendors, ${ROWS} rows, formats ${FORMATS.join(', ')}, ${machineInfo()}`);

  const dir = await tempDir('bench-export');
  const db = await freshDatabase();
  const app = connectMySql(db.url, 2);
  try {
    await runMigrations(app.pool);
    const org = await createOrganization(app.db, ACTOR, { name: 'Bench Export Org' });
    const orgId = Number(org.id);
    const seedMs = await seed(app.pool, orgId);
    console.log(`  seeded ${ROWS} vendors in ${(seedMs / 1000).toFixed(1)} s (${perSecond(ROWS, seedMs)} rows/s, multi-row INSERTs of ${SEED_BATCH})`);

    const profDir = process.env.BENCH_CPU_PROF_DIR;
    const tmpDir = await childTmpDir(dir);
    const results = [];
    const problems = [];
    const childEnv = { BENCH_CHILD_DB_URL: db.url, BENCH_CHILD_ORG: String(orgId), BENCH_CHILD_STORE: path.join(dir, 'store'), TMPDIR: tmpDir };
    const measureReference = async (when) => {
      console.log(`  reference ${when}: streamed mysql2 query to a plain CSV file (child process) …`);
      const r = await runChild(SCRIPT, ['--child-reference'], { env: childEnv });
      if (r.rows !== ROWS) problems.push(`reference: read ${r.rows} rows, expected ${ROWS}`);
      console.log(`  reference ${when}: ${(r.ms / 1000).toFixed(2)} s`);
      return r;
    };
    const referenceRuns = [await measureReference('before the exports')];
    for (const format of FORMATS) {
      console.log(`  exporting ${format} (child process) …`);
      const r = await runChild(SCRIPT, ['--child', format], {
        env: childEnv,
        nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`, `--cpu-prof-name=export-${format}-${suffix}.cpuprofile`] : [],
      });
      const left = await sweep(tmpDir);
      if (left.files) console.log(`  note: the ${format} export left ${left.files} temp file(s), ${toMB(left.bytes)} MB, in its TMPDIR`);
      const p = problemsOf(r);
      const hashNote = r.dataSha256Matches === null ? ' (unzip absent: hash not checked)' : ', its SHA-256 is the data file’s';
      console.log(`  ${format}: ${p.length ? `MISMATCH (${p.join('; ')})` : `ok: manifest counts ${r.manifestRows} rows${hashNote}`}`);
      problems.push(...p);
      results.push(r);
    }

    referenceRuns.push(await measureReference('after the exports'));
    // The faster of the two: a machine busy with other work slows a run down, never speeds it up.
    const reference = referenceRuns.reduce((best, r) => (r.ms < best.ms ? r : best));

    // --------------------------------------------------------- report ---
    const rssMB = (r) => toMB(Math.max(r.peakRssBytes, r.maxRssKiB * 1024));
    const summary = {};
    const ratio = (r) => Math.round((r.ms / reference.ms) * 100) / 100;
    const rows = results.map((r) => {
      const rps = perSecond(ROWS, r.ms);
      const goal = r.format === 'csv' ? `>= ${GOAL_CSV_RPS} rows/s` : '-';
      const met = r.format === 'csv' ? rps >= GOAL_CSV_RPS : null;
      summary[r.format] = {
        rows: ROWS,
        seconds: +(r.ms / 1000).toFixed(2),
        rowsPerSec: rps,
        overReference: ratio(r),
        peakRssMB: rssMB(r),
        maxRssMB: toMB(r.maxRssKiB * 1024),
        zipMB: toMB(r.zipBytes),
        ...(met === null ? {} : { met }),
      };
      return [r.format.toUpperCase(), ROWS, (r.ms / 1000).toFixed(2), rps, `${ratio(r).toFixed(2)} x`, rssMB(r), toMB(r.zipBytes), goal, met === null ? '' : met ? 'ok' : 'below goal'];
    });
    rows.push(['reference', reference.rows, (reference.ms / 1000).toFixed(2), perSecond(reference.rows, reference.ms), '1.00 x', rssMB(reference), `(${toMB(reference.bytes)} CSV)`, '-', '']);
    summary.reference = {
      rows: reference.rows,
      seconds: +(reference.ms / 1000).toFixed(2),
      runsSeconds: referenceRuns.map((r) => +(r.ms / 1000).toFixed(2)),
      rowsPerSec: perSecond(reference.rows, reference.ms),
      peakRssMB: rssMB(reference),
      csvMB: toMB(reference.bytes),
    };
    console.log('');
    printTable(['format', 'rows', 'seconds', 'rows/s', 'export / reference', 'peak RSS MB', 'ZIP MB', 'goal', 'ok/below'], rows, [1, 2, 3, 4, 5, 6]);
    console.log('  reference: one streamed mysql2 query of the same rows and columns written as CSV to a plain file (no checks, no neutralisation, no hash, no ZIP);');
    console.log(`  measured before and after the exports (${referenceRuns.map((r) => (r.ms / 1000).toFixed(2)).join(' s, ')} s), the faster kept`);
    console.log('');
    for (const r of results) {
      console.log(
        `${r.format.toUpperCase()} peak RSS: sampled ${toMB(r.peakRssBytes)} MB, getrusage maxRSS ${toMB(r.maxRssKiB * 1024)} MB, before the export ${toMB(r.baselineRssBytes)} MB, peak heap used ${toMB(r.peakHeapUsedBytes)} MB`,
      );
    }
    console.log(`BENCH_EXPORT_JSON ${JSON.stringify({ ...summary, seedSeconds: +(seedMs / 1000).toFixed(2), goals: { csvRowsPerSec: GOAL_CSV_RPS }, ok: problems.length === 0 })}`);
    if (problems.length) {
      console.error(`\nWARNING: an export did not count every row or hash its file right, so the figures above mean little:\n  ${problems.join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await app.close();
  }
}

const [mode, format] = process.argv.slice(2);
if (mode === '--child') await childMain(() => childExport(format));
else if (mode === '--child-reference') await childMain(childReference);
else await runBench('bench:export', main);
