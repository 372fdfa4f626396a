// bench:import: throughput and memory of the import pipeline (parse, map, validate, upsert).
//
// Generates a CSV of BENCH_IMPORT_ROWS vendors and an XLSX of BENCH_XLSX_ROWS vendors (streamed to
// a temp folder; about 1% of rows invalid: a bad e-mail, a code repeated from the row before, a
// missing name), then imports each with the compiled pipeline in-process, no server and no queue:
// createImport (store the file, read the headers, suggest the mapping) and runImport (stream,
// validate every row, upsert valid rows per chunk transaction) in mode skip_invalid. Each import
// runs in a child process of its own, so its peak RSS is that of the import alone.
//
// Reference: the same CSV with LOAD DATA LOCAL INFILE into the same table, emptied first, so
// both start from an empty table with the same indexes. LOAD DATA cannot skip rows, so it also
// writes the rows with a bad e-mail or no name (0.75%); repeated codes it skips (IGNORE), as the
// import does.
//
// Goals: CSV import at most 2x the time of LOAD DATA; XLSX >= 40,000 rows/s; peak RSS <= 256 MB.
//
// Env: BENCH_IMPORT_ROWS (1,000,000), BENCH_XLSX_ROWS (200,000), BENCH_CHUNK_ROWS (1000, the
//      runner's chunkRows), BENCH_WRITE_ROWS (5000) and BENCH_WRITE_CONCURRENCY (2): the runner's
//      writeRows and writeConcurrency, DATABASE_URL / QUEUE_DATABASE_URL (servers to use; default: the ones
//      scripts/services.sh starts), BENCH_CPU_PROF_DIR (write a .cpuprofile of each import child
//      there), BENCH_BREAKDOWN=1 (also time parsing alone and parsing + row checks, without the
//      database, to see where the import's time goes), BENCH_SEMI_SPACE_MB (8) and
//      BENCH_HEAP_GROWING_PERCENT (30): the V8 flags the import child runs with, as the worker,
//      BENCH_NODE_ARGS (more flags for the import child, space-separated, e.g. --trace-gc).
//
// Besides the goals it prints where the two cores' time went: the import process's CPU time and
// MariaDB's (read from /proc when the server is a process of this machine), for the import and
// for LOAD DATA, and what the import's resident memory held at its sampled peak.
//
// Everything created (a MariaDB database, the temp folder) is removed at the end, also on failure
// and on Ctrl-C. Children get a TMPDIR inside the temp folder: a temp file one leaves behind
// (exceljs's reader spills the worksheet there) is reported, then removed with the run. Exit status: 0 when the measurement completed, even below a goal; 1 on failure
// or when a count does not match.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import {
  childMain,
  childTmpDir,
  countValid,
  freshDatabase,
  isStopping,
  loadDist,
  machineInfo,
  MB,
  perSecond,
  positiveInt,
  POSTGRES_URL,
  printTable,
  runBench,
  runChild,
  startMemorySampler,
  suffix,
  sweep,
  tempDir,
  toMB,
  trackConnection,
  VENDOR_COLUMNS,
  writeVendorCsv,
  writeVendorXlsx,
} from './bench-support.mjs';

const SCRIPT = fileURLToPath(import.meta.url);
const CSV_ROWS = positiveInt('BENCH_IMPORT_ROWS', 1_000_000);
const XLSX_ROWS = positiveInt('BENCH_XLSX_ROWS', 200_000);
const CHUNK_ROWS = positiveInt('BENCH_CHUNK_ROWS', 1000);
const WRITE_ROWS = positiveInt('BENCH_WRITE_ROWS', 5000);
const WRITE_CONCURRENCY = positiveInt('BENCH_WRITE_CONCURRENCY', 2);
const GOAL_RATIO = 2;
const GOAL_XLSX_RPS = 40_000;
const GOAL_RSS_MB = 256;
const ACTOR = { type: 'system', id: 'bench' };
/**
 * The import child runs with the V8 flags the worker runs with (package.json "worker" and
 * "start"): a young generation capped at 2 x SEMI_SPACE_MB (V8's default lets it grow to
 * 2 x 64 MB here), and a full collection once the heap has grown by HEAP_GROWING_PERCENT over
 * what the last one left live (by default V8 let it grow to 3.7 times that).
 */
const SEMI_SPACE_MB = positiveInt('BENCH_SEMI_SPACE_MB', 8);
const HEAP_GROWING_PERCENT = positiveInt('BENCH_HEAP_GROWING_PERCENT', 30);
const WORKER_NODE_ARGS = [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`];
/** BENCH_NODE_ARGS: more flags for the import child, space-separated (e.g. --trace-gc). */
const EXTRA_NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

// ------------------------------------------------------------- child ---

/**
 * One import, measured: argv = --child <format> <file>; env BENCH_CHILD_DB_URL, BENCH_CHILD_ORG,
 * BENCH_CHILD_STORE. Prints its figures as JSON.
 */
async function childImport(format, file) {
  const [{ connectMySql }, { FileStore }, { PgPubSub }, { createLogger }, { createImport, runImport }] = await loadDist(
    'platform/db/mysql.js',
    'platform/storage/file-store.js',
    'platform/queue/pubsub.js',
    'platform/logging/logger.js',
    'modules/imports/index.js',
  );
  const organizationId = Number(process.env.BENCH_CHILD_ORG);
  const conn = connectMySql(process.env.BENCH_CHILD_DB_URL, 4);
  const logger = createLogger('warn');
  const pubsub = new PgPubSub(POSTGRES_URL, logger, `bench_${suffix}_${process.pid}`);
  const store = new FileStore(process.env.BENCH_CHILD_STORE);
  try {
    const baselineRss = process.memoryUsage.rss();
    const memory = startMemorySampler(50);
    const t0 = performance.now();
    const { job } = await createImport(
      { db: conn.db, store, boss: null, maxUploadBytes: Number.MAX_SAFE_INTEGER },
      ACTOR,
      { organizationId, importType: 'vendors', projectId: null, fileName: path.basename(file), options: {} },
      createReadStream(file),
    );
    const t1 = performance.now();
    if (job.status !== 'pending') throw new Error(`createImport left the job ${job.status}: ${job.errorMessage}`);
    const mapped = Object.values(job.mapping ?? {}).filter(Boolean).length;
    if (mapped !== VENDOR_COLUMNS.length) throw new Error(`only ${mapped} of ${VENDOR_COLUMNS.length} columns mapped: ${JSON.stringify(job.mapping)}`);
    await conn.pool.query("UPDATE import_jobs SET status = 'importing', mode = 'skip_invalid' WHERE id = ?", [job.id]);
    const t2 = performance.now();
    const cpu0 = process.cpuUsage();
    await runImport({ db: conn.db, store, pubsub, logger, chunkRows: CHUNK_ROWS, writeRows: WRITE_ROWS, writeConcurrency: WRITE_CONCURRENCY }, job.id, false);
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const mem = memory.stop();
    const [[done]] = await conn.pool.query(
      'SELECT status, error_message AS errorMessage, total_rows AS totalRows, inserted_rows AS insertedRows, updated_rows AS updatedRows, failed_rows AS failedRows, report_key AS reportKey FROM import_jobs WHERE id = ?',
      [job.id],
    );
    return {
      format,
      jobId: job.id,
      storeMs: t1 - t0,
      importMs: t3 - t2,
      // CPU time of this process during the import (all its threads: JavaScript, GC helpers, I/O).
      cpuMs: (cpu.user + cpu.system) / 1000,
      baselineRssBytes: baselineRss,
      ...mem,
      job: done,
    };
  } finally {
    await pubsub.close();
    await conn.close();
  }
}

/** Where the time goes without the database: parse only, then parse + checkRow of every row. */
async function childBreakdown(format, file) {
  const [{ openParsedFile }, { RowValidator }, { entityDef }, { suggestMapping }] = await loadDist(
    'modules/imports/parsers/index.js',
    'modules/imports/validation/validation.engine.js',
    'modules/records/index.js',
    'modules/imports/mapping/mapping.match.js',
  );
  const entity = entityDef('vendors');
  const timed = async (withChecks) => {
    const t0 = performance.now();
    const parsed = await openParsedFile(file, { declaredName: path.basename(file) });
    const validator = new RowValidator(entity, parsed.headers, suggestMapping(entity, parsed.headers).mapping);
    let rows = 0;
    let failed = 0;
    for await (const row of parsed.rows) {
      rows++;
      if (withChecks && validator.checkRow(row).issues.length) failed++;
    }
    return { rows, failed, ms: performance.now() - t0 };
  };
  const parse = await timed(false);
  const check = await timed(true);
  return { format, parseMs: parse.ms, parseAndCheckMs: check.ms, rows: parse.rows, failedByCheckRow: check.failed };
}

// ------------------------------------------------------------ parent ---

/**
 * Runs a child (import or breakdown) with TMPDIR in the run's folder; temp files it leaves there
 * are reported (they would stay in /tmp in production) and removed.
 */
async function inChild(args, env, tmpDir, nodeArgs = []) {
  const result = await runChild(SCRIPT, args, { env: { ...env, TMPDIR: tmpDir }, nodeArgs });
  const left = await sweep(tmpDir);
  if (left.files) console.log(`  note: the ${args[0].slice(2)} ${args[1]} process left ${left.files} temp file(s), ${toMB(left.bytes)} MB, in its TMPDIR (exceljs spills worksheets there)`);
  return { ...result, leftTempFiles: left.files, leftTempMB: toMB(left.bytes) };
}

async function importInChild(db, organizationId, storeDir, tmpDir, format, file) {
  const profDir = process.env.BENCH_CPU_PROF_DIR;
  return inChild(
    ['--child', format, file],
    { BENCH_CHILD_DB_URL: db.url, BENCH_CHILD_ORG: String(organizationId), BENCH_CHILD_STORE: storeDir },
    tmpDir,
    [
      ...WORKER_NODE_ARGS,
      ...EXTRA_NODE_ARGS,
      ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`, `--cpu-prof-name=import-${format}-${suffix}.cpuprofile`] : []),
    ],
  );
}

/** Checks the job's counters and the table against what the generator wrote. */
async function verify(conn, organizationId, label, result, rows) {
  const valid = countValid(rows);
  const [[{ n }]] = await conn.query('SELECT COUNT(*) AS n FROM vendors WHERE organization_id = ?', [organizationId]);
  const { job } = result;
  const problems = [];
  if (job.status !== 'completed') problems.push(`job ${job.status}: ${job.errorMessage ?? ''}`);
  if (Number(n) !== valid) problems.push(`${n} rows in the table, expected ${valid}`);
  if (job.insertedRows !== valid) problems.push(`job says ${job.insertedRows} inserted, expected ${valid}`);
  if (job.failedRows !== rows - valid) problems.push(`job says ${job.failedRows} failed, expected ${rows - valid}`);
  if (job.totalRows !== rows) problems.push(`job says ${job.totalRows} rows, expected ${rows}`);
  const verdict = problems.length ? `MISMATCH (${problems.join('; ')})` : `ok: ${n} rows in the table = valid rows, ${job.failedRows} failed`;
  console.log(`  ${label}: ${verdict}`);
  return problems.map((p) => `${label}: ${p}`);
}

/**
 * CPU time (ms) the MariaDB server process has used so far, from /proc: null when the server is
 * not a process of this machine (a remote DATABASE_URL) or its pid file cannot be read. Where the
 * two cores' time goes: the import's own process, or the database's.
 */
async function serverCpuMs(conn) {
  try {
    const [[{ pidFile }]] = await conn.query('SELECT @@pid_file AS pidFile');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    // utime and stime, fields 14 and 15 of stat(5), counted from the state field (3): clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function cpuSince(before, after) {
  return before === null || after === null ? null : after - before;
}

/** LOAD DATA LOCAL INFILE of the same CSV into the same (emptied) table; null + reason if refused. */
async function loadData(dbUrl, organizationId, file) {
  const conn = await mysql.createConnection({
    uri: dbUrl,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    // LOCAL_FILES is among mysql2's default capability flags; it still needs this to read the file.
    infileStreamFactory: () => createReadStream(file),
  });
  const untrack = trackConnection(conn);
  try {
    const [[{ local }]] = await conn.query('SELECT @@local_infile AS local');
    if (!Number(local)) return { refused: 'the server has local_infile OFF' };
    const t0 = performance.now();
    let result;
    try {
      [result] = await conn.query(
        `LOAD DATA LOCAL INFILE 'vendors.csv' IGNORE INTO TABLE vendors CHARACTER SET utf8mb4
           FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY ''
           LINES TERMINATED BY '\\n' IGNORE 1 LINES
           (origin_id, code, name, @tax_id, @email, @phone, @terms, @status)
           SET organization_id = ?, tax_id = NULLIF(@tax_id, ''), email = NULLIF(@email, ''), phone = NULLIF(@phone, ''),
               payment_terms = NULLIF(@terms, ''), status = IF(@status = '', 'active', @status)`,
        [organizationId],
      );
    } catch (error) {
      if (isStopping()) throw error; // killed by the cleanup, not refused
      return { refused: `${error.code ?? ''} ${error.message}`.trim() };
    }
    const ms = performance.now() - t0;
    const [[{ n }]] = await conn.query('SELECT COUNT(*) AS n FROM vendors WHERE organization_id = ?', [organizationId]);
    return { ms, rows: Number(n), affected: result.affectedRows, warnings: result.warningStatus };
  } finally {
    untrack();
    await conn.end();
  }
}

async function main() {
  const [{ connectMySql }, { runMigrations }, { createOrganization }] = await loadDist('platform/db/mysql.js', 'platform/db/migrate.js', 'modules/organizations/index.js');
  console.log(`bench:import  vendors, CSV ${CSV_ROWS} rows, XLSX ${XLSX_ROWS} rows, chunk ${CHUNK_ROWS} rows, writes of ${WRITE_ROWS} rows x ${WRITE_CONCURRENCY} at once, import child: node ${WORKER_NODE_ARGS.join(' ')}, ${machineInfo()}`);

  const dir = await tempDir('bench-import');
  const db = await freshDatabase();
  const app = connectMySql(db.url, 2);
  try {
    await runMigrations(app.pool);
    const org = await createOrganization(app.db, ACTOR, { name: 'Bench Import Org' });
    const orgId = Number(org.id);
    const conn = app.pool;

    const csvFile = path.join(dir, 'vendors.csv');
    const xlsxFile = path.join(dir, 'vendors.xlsx');
    let t = performance.now();
    const csvBytes = await writeVendorCsv(csvFile, CSV_ROWS);
    console.log(`  generated ${csvFile}: ${CSV_ROWS} rows, ${toMB(csvBytes)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    await writeVendorXlsx(xlsxFile, XLSX_ROWS);
    console.log(`  generated ${xlsxFile}: ${XLSX_ROWS} rows, ${toMB((await stat(xlsxFile)).size)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const problems = [];
    const storeDir = path.join(dir, 'store');
    const tmpDir = await childTmpDir(dir);

    console.log('  importing the CSV (child process) …');
    let server = await serverCpuMs(conn);
    const csv = await importInChild(db, orgId, storeDir, tmpDir, 'csv', csvFile);
    csv.serverCpuMs = cpuSince(server, await serverCpuMs(conn));
    problems.push(...(await verify(conn, orgId, 'csv import', csv, CSV_ROWS)));

    console.log('  LOAD DATA LOCAL INFILE of the same CSV into the emptied table …');
    await conn.query('TRUNCATE TABLE vendors');
    server = await serverCpuMs(conn);
    const load = await loadData(db.url, orgId, csvFile);
    load.serverCpuMs = cpuSince(server, await serverCpuMs(conn));
    if (load.refused) console.log(`  LOAD DATA LOCAL refused: ${load.refused}; no reference ratio`);
    else console.log(`  LOAD DATA: ${load.rows} rows in the table (${load.warnings} warnings: repeated codes skipped)`);

    console.log('  importing the XLSX (child process) …');
    await conn.query('TRUNCATE TABLE vendors');
    const xlsx = await importInChild(db, orgId, storeDir, tmpDir, 'xlsx', xlsxFile);
    problems.push(...(await verify(conn, orgId, 'xlsx import', xlsx, XLSX_ROWS)));

    let breakdown = [];
    if (process.env.BENCH_BREAKDOWN === '1') {
      console.log('  breakdown: parse only, parse + checkRow (no database) …');
      breakdown = [await inChild(['--breakdown', 'csv', csvFile], {}, tmpDir), await inChild(['--breakdown', 'xlsx', xlsxFile], {}, tmpDir)];
    }

    // --------------------------------------------------------- report ---
    const rssMB = (r) => toMB(Math.max(r.peakRssBytes, r.maxRssKiB * 1024));
    const ratio = load.refused ? null : Math.round((csv.importMs / load.ms) * 100) / 100;
    const csvRss = rssMB(csv);
    const xlsxRss = rssMB(xlsx);
    const xlsxRps = perSecond(XLSX_ROWS, xlsx.importMs);
    const okCsv = (ratio === null || ratio <= GOAL_RATIO) && csvRss <= GOAL_RSS_MB;
    const okXlsx = xlsxRps >= GOAL_XLSX_RPS && xlsxRss <= GOAL_RSS_MB;
    const verdict = (ok) => (ok ? 'ok' : 'below goal');

    console.log('');
    const rows = [
      ['CSV import', CSV_ROWS, (csv.importMs / 1000).toFixed(1), perSecond(CSV_ROWS, csv.importMs), csvRss, `<= ${GOAL_RATIO}x LOAD DATA, <= ${GOAL_RSS_MB} MB`, verdict(okCsv)],
      load.refused
        ? ['LOAD DATA (reference)', CSV_ROWS, '-', '-', '-', 'reference', `refused: ${load.refused}`]
        : ['LOAD DATA (reference)', CSV_ROWS, (load.ms / 1000).toFixed(1), perSecond(CSV_ROWS, load.ms), '-', 'reference', ''],
      ['XLSX import', XLSX_ROWS, (xlsx.importMs / 1000).toFixed(1), xlsxRps, xlsxRss, `>= ${GOAL_XLSX_RPS} rows/s, <= ${GOAL_RSS_MB} MB`, verdict(okXlsx)],
    ];
    printTable(['format', 'rows', 'seconds', 'rows/s', 'peak RSS MB', 'goal', 'ok/below'], rows, [1, 2, 3, 4]);
    console.log('');
    console.log(
      `CSV import / LOAD DATA time: ${ratio === null ? 'n/a (LOAD DATA refused)' : `${ratio.toFixed(2)}x`}   (goal <= ${GOAL_RATIO}x: ${ratio === null ? 'not measured' : verdict(ratio <= GOAL_RATIO)})`,
    );
    const seconds = (ms) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
    console.log(
      `CPU time: the CSV import's process ${seconds(csv.cpuMs)} and MariaDB ${seconds(csv.serverCpuMs)} in ${seconds(csv.importMs)}; ` +
        `MariaDB for LOAD DATA ${seconds(load.serverCpuMs)} in ${seconds(load.ms)} (on ${cpus().length} cores)`,
    );
    for (const r of [csv, xlsx]) {
      console.log(
        `${r.format.toUpperCase()} peak RSS: sampled ${toMB(r.peakRssBytes)} MB, getrusage maxRSS ${toMB(r.maxRssKiB * 1024)} MB, before the import ${toMB(r.baselineRssBytes)} MB, ` +
          `peak heap used ${toMB(r.peakHeapUsedBytes)} MB; at the sampled peak: V8 heap ${toMB(r.atPeakBytes.heapTotal)} MB, outside it ${toMB(r.atPeakBytes.external)} MB (Buffers and typed arrays ${toMB(r.atPeakBytes.arrayBuffers)} MB)   (goal <= ${GOAL_RSS_MB} MB: ${verdict(Math.max(r.peakRssBytes, r.maxRssKiB * 1024) <= GOAL_RSS_MB * MB)}); ` +
          `storing the upload took ${(r.storeMs / 1000).toFixed(1)} s (not counted)`,
      );
    }
    for (const b of breakdown) {
      const full = b.format === 'csv' ? csv.importMs : xlsx.importMs;
      console.log(
        `${b.format.toUpperCase()} breakdown: parse only ${(b.parseMs / 1000).toFixed(1)} s, parse + checkRow ${(b.parseAndCheckMs / 1000).toFixed(1)} s, ` +
          `full import ${(full / 1000).toFixed(1)} s (so database lookups, upserts and chunk bookkeeping ≈ ${((full - b.parseAndCheckMs) / 1000).toFixed(1)} s)`,
      );
    }

    const summary = {
      csv: { rows: CSV_ROWS, validRows: countValid(CSV_ROWS), seconds: +(csv.importMs / 1000).toFixed(2), cpuSeconds: +(csv.cpuMs / 1000).toFixed(2), serverCpuSeconds: csv.serverCpuMs === null ? null : +(csv.serverCpuMs / 1000).toFixed(2), rowsPerSec: perSecond(CSV_ROWS, csv.importMs), peakRssMB: csvRss, maxRssMB: toMB(csv.maxRssKiB * 1024), storeSeconds: +(csv.storeMs / 1000).toFixed(2), leftTempFiles: csv.leftTempFiles },
      loadData: load.refused ? { refused: load.refused } : { rows: load.rows, seconds: +(load.ms / 1000).toFixed(2), rowsPerSec: perSecond(CSV_ROWS, load.ms), serverCpuSeconds: load.serverCpuMs === null ? null : +(load.serverCpuMs / 1000).toFixed(2) },
      ratio,
      xlsx: { rows: XLSX_ROWS, validRows: countValid(XLSX_ROWS), seconds: +(xlsx.importMs / 1000).toFixed(2), rowsPerSec: xlsxRps, peakRssMB: xlsxRss, maxRssMB: toMB(xlsx.maxRssKiB * 1024), storeSeconds: +(xlsx.storeMs / 1000).toFixed(2), leftTempFiles: xlsx.leftTempFiles },
      ...(breakdown.length ? { breakdown: breakdown.map((b) => ({ format: b.format, parseSeconds: +(b.parseMs / 1000).toFixed(2), parseAndCheckSeconds: +(b.parseAndCheckMs / 1000).toFixed(2) })) } : {}),
      goals: { ratio: GOAL_RATIO, xlsxRowsPerSec: GOAL_XLSX_RPS, peakRssMB: GOAL_RSS_MB },
      met: { csv: okCsv, xlsx: okXlsx },
      ok: problems.length === 0,
      chunkRows: CHUNK_ROWS,
      writeRows: WRITE_ROWS,
      writeConcurrency: WRITE_CONCURRENCY,
      nodeArgs: WORKER_NODE_ARGS,
    };
    console.log(`BENCH_IMPORT_JSON ${JSON.stringify(summary)}`);
    if (problems.length) {
      console.error(`\nWARNING: the counts do not match, so the figures above mean little:\n  ${problems.join('\n  ')}`);
      return 1;
    }
    return 0;
  } finally {
    await app.close();
  }
}

const [mode, format, file] = process.argv.slice(2);
if (mode === '--child') await childMain(() => childImport(format, file));
else if (mode === '--breakdown') await childMain(() => childBreakdown(format, file));
else await runBench('bench:import', main);
