// Shared pieces of the bench:import and bench:export scripts: configuration from the environment,
// a fresh MariaDB database and temp folder per run that are removed at the end (also on failure
// and on Ctrl-C), child processes whose memory is measured on its own, realistic vendor rows, and
// table printing. Each script is one process, so the state here is module-level.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, createWriteStream, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';

import { loadConfig, loadDotEnv } from '../src/platform/config.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The server's own configuration code (run through Node's type stripping), so a bench reaches the
// databases the server would: DATABASE_URL / QUEUE_DATABASE_URL, else the local servers on
// TRESTLE_MYSQL_PORT / TRESTLE_PG_PORT, with .env beneath the environment.
loadDotEnv();
const benchConfig = loadConfig();
export const MYSQL_URL = benchConfig.DATABASE_URL;
export const POSTGRES_URL = benchConfig.QUEUE_DATABASE_URL;
export const MB = 1024 * 1024;

/** A port nothing listens on right now (a server binds it a moment later). */
export function freePort() {
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

export function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export const seconds = (ms) => ms / 1000;
export const perSecond = (rows, ms) => (ms > 0 ? Math.round(rows / (ms / 1000)) : 0);
export const toMB = (bytes) => Math.round((bytes / MB) * 10) / 10;

// ------------------------------------------------------------- cleanup ---

/** What the end of the run must undo, newest first. */
const cleanups = [];
let signalled = false;

/** True once Ctrl-C / SIGTERM started the cleanup: nothing new may be started then. */
export const isStopping = () => signalled;

/** Registers `fn` to run at the end of the run (in reverse order of registration); returns an unregister function. */
export function onCleanup(what, fn) {
  const entry = { what, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

async function doCleanup() {
  while (cleanups.length) {
    const { what, fn } = cleanups.pop();
    try {
      await fn();
    } catch (error) {
      console.error(`cleanup: could not ${what}: ${error.message}`);
    }
  }
}

let cleanupPromise;
const cleanup = () => (cleanupPromise ??= doCleanup());

/**
 * Runs a bench's main(): on success its return value is the exit status; on failure, a message
 * and status 1; on Ctrl-C / SIGTERM, cleanup and 130 / 143. Cleanup always runs before exit.
 */
export async function runBench(name, main) {
  const finish = async (code) => {
    await cleanup();
    process.exit(code);
  };
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
    if (!signalled) console.error(`${name} failed: ${error instanceof Error ? error.stack || error.message : error}`);
  }
  // After a signal, the handler's finish() owns the exit.
  if (!signalled) await finish(exitCode);
}

// ------------------------------------------------- database and files ---

/** A run id: names the database, the temp folder and the pub/sub channel of this run. */
export const suffix = randomBytes(4).toString('hex');

/** Connects to the server without selecting a database: the one in DATABASE_URL may not exist. */
export const adminConnection = (options = {}) => mysql.createConnection({ uri: withDatabase(MYSQL_URL, ''), ...options });

/**
 * Creates `trestle_bench_<suffix>` (dropped at cleanup). Connections registered with
 * `trackConnection` are killed first, so a long statement cannot hold the drop up.
 */
export async function freshDatabase() {
  const name = `trestle_bench_${suffix}`;
  const admin = await adminConnection();
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  onCleanup(`drop database ${name}`, async () => {
    const conn = await adminConnection();
    try {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await conn.end();
    }
  });
  return { name, url: withDatabase(MYSQL_URL, name) };
}

/** Drops pg-boss schemas of this run (after whatever uses them has stopped: register it first). */
export async function dropQueueSchemas(schemas) {
  if (!schemas.length) return;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** A connection whose statement in progress is killed at cleanup (e.g. a LOAD DATA on Ctrl-C). */
export function trackConnection(conn) {
  return onCleanup('stop a running statement', async () => {
    const admin = await adminConnection();
    try {
      await admin.query(`KILL ${Number(conn.threadId)}`).catch(() => undefined);
    } finally {
      await admin.end();
      conn.destroy();
    }
  });
}

/** A temp folder, removed with everything in it at cleanup. */
export async function tempDir(label) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `trestle-${label}-${suffix}-`));
  onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The TMPDIR given to child processes (a folder of the run's temp folder), so that temp files
 * libraries leave behind (exceljs's reader spills worksheets to os.tmpdir()) go with the run.
 */
export async function childTmpDir(runDir) {
  const dir = path.join(runDir, 'child-tmp');
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Files left in `dir` (by a child that has exited): count and bytes; the folder is emptied. */
export async function sweep(dir) {
  let files = 0;
  let bytes = 0;
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    files++;
    bytes += (await stat(file)).size;
    await rm(file, { recursive: true, force: true });
  }
  return { files, bytes };
}

// ------------------------------------------------------ child processes ---

export const CHILD_MARK = 'BENCH_CHILD_JSON ';

/**
 * Runs `node <script> ...args` and resolves with the JSON the child printed after CHILD_MARK.
 * Other stdout lines (logs) are passed through; stderr is the child's own. The child is killed
 * at cleanup if it still runs. `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export function runChild(script, args, { env = {}, nodeArgs = [] } = {}) {
  return new Promise((resolve, reject) => {
    if (signalled) return reject(new Error('stopping'));
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    const unregister = onCleanup(`stop child ${child.pid}`, () => stopChild(child));
    let result;
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      buffered += text;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith(CHILD_MARK)) result = JSON.parse(line.slice(CHILD_MARK.length));
        else process.stdout.write(`  [child] ${line}\n`);
      }
    });
    child.once('error', (error) => {
      unregister();
      reject(error);
    });
    child.once('close', (code, signal) => {
      unregister();
      if (code === 0 && result) resolve(result);
      else reject(new Error(`child ${[script, ...args].map((a) => path.basename(String(a))).join(' ')} exited with ${code ?? signal}${result ? '' : ', no result'}`));
    });
  });
}

/** Stops a child process: SIGTERM, then SIGKILL after 5 s; resolves once it has exited. */
export function stopProcess(child) {
  return stopChild(child);
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('close', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Child side: runs `fn`, prints its result after CHILD_MARK and exits 0; on failure exits 1. */
export async function childMain(fn) {
  try {
    const result = await fn();
    process.stdout.write(`${CHILD_MARK}${JSON.stringify(result)}\n`);
    process.exit(0);
  } catch (error) {
    console.error(`bench child failed: ${error instanceof Error ? error.stack || error.message : error}`);
    process.exit(1);
  }
}

/**
 * Samples this process's resident set size every `intervalMs` until stop(), which returns the
 * peaks in bytes, plus getrusage's maxRSS (KiB: the high-water mark of the whole process life,
 * also catching peaks between samples while the event loop was busy).
 */
export function startMemorySampler(intervalMs = 50) {
  let peakRss = 0;
  let peakHeap = 0;
  let samples = 0;
  // What the resident memory held at its sampled peak: V8's heap (committed), and memory outside
  // it (Buffers and typed arrays).
  let atPeak = { heapTotal: 0, external: 0, arrayBuffers: 0 };
  const sample = () => {
    const usage = process.memoryUsage();
    if (usage.rss > peakRss) {
      peakRss = usage.rss;
      atPeak = { heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers };
    }
    if (usage.heapUsed > peakHeap) peakHeap = usage.heapUsed;
    samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakRssBytes: peakRss, peakHeapUsedBytes: peakHeap, atPeakBytes: atPeak, samples, maxRssKiB: process.resourceUsage().maxRSS };
    },
  };
}

// ------------------------------------------------------ server processes ---

/** Set once the run succeeded: the servers' logs are then removed, else kept and named. */
let succeeded = false;
export const markSucceeded = () => {
  succeeded = true;
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs dist/cli.js against the bench database; resolves with its stdout, trimmed. */
export async function benchCli(databaseUrl, ...args) {
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

/** pg-boss schemas of this run's servers, dropped at cleanup (register before starting servers: cleanups run newest first). */
const serverSchemas = [];
export function dropServerSchemasAtCleanup() {
  onCleanup('drop the pg-boss schemas', () => dropQueueSchemas(serverSchemas));
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Spawns dist/main.js with `env` on a free port, without a worker, logging to a temp file (kept
 * and named when the run fails); resolves once /readyz answers 200.
 */
export async function startBenchServer(label, databaseUrl, env) {
  if (isStopping()) throw new Error('stopping');
  const port = await freePort();
  const queueSchema = `bench_${label}_${suffix}`;
  serverSchemas.push(queueSchema);
  const logFile = path.join(os.tmpdir(), `trestle-bench-${suffix}-${label}.log`);
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
      // The server refuses INSECURE_NO_AUTH_ORG_ID in production; every bench runs the same way.
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
      DATABASE_URL: databaseUrl,
      QUEUE_DATABASE_URL: POSTGRES_URL,
      QUEUE_SCHEMA: queueSchema,
      RUN_WORKER: 'false',
      // Empty counts as unset: an INSECURE_NO_AUTH_ORG_ID in the caller's env must not leak in.
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

/** Resident set size of a process, in bytes (Linux /proc), or null where unavailable. */
export function rssOf(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The 1-, 5- and 15-minute load averages, as printed at the start and end of a bench. */
export const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

// --------------------------------------------------------- vendor rows ---

/** Catalog labels of the vendor fields, in catalog order: the import maps them without help. */
export const VENDOR_HEADERS = ['Origin ID', 'Vendor Code', 'Name', 'Tax ID', 'Email', 'Phone', 'Payment Terms', 'Status'];
export const VENDOR_COLUMNS = ['origin_id', 'code', 'name', 'tax_id', 'email', 'phone', 'payment_terms', 'status'];

const FIRST = ['Summit', 'Granite', 'Blue Ridge', 'Keystone', 'Ironwood', 'Harbor', 'Pioneer', 'Redline', 'Cornerstone', 'Evergreen', 'Atlas', 'Northgate', 'Silver Creek', 'Bedrock', 'Lakeside', 'Meridian'];
const TRADE = ['Concrete', 'Steel', 'Electric', 'Plumbing', 'Drywall', 'Roofing', 'Masonry', 'Glazing', 'Excavation', 'HVAC', 'Paving', 'Framing', 'Insulation', 'Flooring', 'Painting', 'Landscaping'];
const FORM = ['LLC', 'Inc', 'Co', 'Corp', 'Group', 'Partners', 'Ltd', 'Services'];
const SURNAMES = ['Smith', 'Jones', 'Garcia', 'Nguyen', 'Okafor', 'Müller', 'Kowalski', 'O\'Brien', 'Rossi', 'Dubois'];
const TERMS = ['net_30', 'net_30', 'net_30', 'net_15', 'net_45', 'net_60', 'due_on_receipt', ''];

/** A cheap deterministic hash of a row number, so every run writes the same file. */
function mix(i) {
  let x = (i ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Why row i is invalid for the import (about 1% of rows), or null. */
export function vendorDefect(i) {
  if (i % 200 === 17) return 'bad_email'; // 0.5%
  if (i % 400 === 55) return 'duplicate_code'; // 0.25%: the code of row i-1, which is valid
  if (i % 400 === 255) return 'missing_name'; // 0.25%
  return null;
}

/**
 * Vendor row i (1-based) as the 8 strings of VENDOR_HEADERS ('' for empty), already in the form
 * the import stores (trimmed, canonical enum values, lower-case e-mail domain), so that LOAD DATA
 * of the same file writes the same values. With `defects`, about 1% of rows are invalid.
 */
export function vendorRow(i, defects = true) {
  const h = mix(i);
  const defect = defects ? vendorDefect(i) : null;
  const first = FIRST[h & 15];
  const trade = TRADE[(h >>> 4) & 15];
  const form = FORM[(h >>> 8) & 7];
  let name;
  const style = (h >>> 11) % 50;
  if (style < 3) name = `${SURNAMES[(h >>> 17) % 10]}, ${SURNAMES[(h >>> 21) % 10]} & ${form}`; // a comma: quoted
  else if (style === 3) name = `"${first}" ${trade} ${form}`; // quotes: doubled in CSV
  else name = `${first} ${trade} ${form}`;
  const domain = `${first}${trade}`.toLowerCase().replace(/[^a-z]/g, '');
  const email = defect === 'bad_email' ? `ap${i}@@${domain}` : `ap${i}@${domain}.com`;
  const taxId = (h >>> 24) % 10 === 0 ? '' : `${String(10 + ((h >>> 3) % 90))}-${String(1_000_000 + (h % 9_000_000)).padStart(7, '0')}`;
  const phone = (h >>> 27) % 20 === 0 ? '' : `(${200 + ((h >>> 5) % 800)}) 555-${String(h % 10000).padStart(4, '0')}`;
  const code = defect === 'duplicate_code' ? `V${String(i - 1).padStart(8, '0')}` : `V${String(i).padStart(8, '0')}`;
  return [
    `QB-${1_000_000 + i}`,
    code,
    defect === 'missing_name' ? '' : name,
    taxId,
    email,
    phone,
    TERMS[(h >>> 14) & 7],
    (h >>> 18) % 10 === 0 ? 'inactive' : 'active',
  ];
}

const NEEDS_QUOTES = /[",\r\n]/;
const csvField = (text) => (NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** Awaits the stream when its buffer is full: generating never holds the file in memory. */
async function writeChunk(stream, text) {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function endStream(stream) {
  stream.end();
  await once(stream, 'finish');
}

/** How many of rows 1..n are valid (vendorDefect is periodic). */
export function countValid(n) {
  let invalid = 0;
  for (let i = 1; i <= n; i++) if (vendorDefect(i)) invalid++;
  return n - invalid;
}

/** Streams a CSV of `rows` vendors (header first, LF line ends) to `file`; returns its size. */
export async function writeVendorCsv(file, rows, { defects = true } = {}) {
  const stream = createWriteStream(file);
  let bytes = 0;
  let text = `${VENDOR_HEADERS.join(',')}\n`;
  for (let i = 1; i <= rows; i++) {
    text += `${vendorRow(i, defects).map(csvField).join(',')}\n`;
    if (text.length >= 256 * 1024) {
      bytes += Buffer.byteLength(text);
      await writeChunk(stream, text);
      text = '';
    }
  }
  bytes += Buffer.byteLength(text);
  await writeChunk(stream, text);
  await endStream(stream);
  return bytes;
}

/** Streams an XLSX of `rows` vendors with exceljs's WorkbookWriter (inline strings, no styles). */
export async function writeVendorXlsx(file, rows, { defects = true } = {}) {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: false });
  const sheet = workbook.addWorksheet('Vendors');
  sheet.addRow(VENDOR_HEADERS).commit();
  for (let i = 1; i <= rows; i++) {
    sheet.addRow(vendorRow(i, defects).map((v) => (v === '' ? null : v))).commit();
    // Let the zip stream drain now and then.
    if (i % 2000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  sheet.commit();
  await workbook.commit();
}

// -------------------------------------------------------------- output ---

/**
 * Prints rows (arrays of cells) under headers; columns listed in `right` are right-aligned
 * (numbers), the others left-aligned.
 */
export function printTable(headers, rows, right = []) {
  const cells = [headers, ...rows].map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

export function machineInfo() {
  const cpus = os.cpus();
  return `Node ${process.version}, ${cpus[0]?.model?.trim() ?? 'unknown CPU'} x${cpus.length}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB RAM`;
}

/** Loads the compiled app modules (dist/); type-graphql's decorators need reflect-metadata first. */
export async function loadDist(...modules) {
  // First, as src/worker.ts does: drizzle-orm's files resolve without Node re-reading its big
  // package.json for each of them (platform/module-hooks.ts). A bench process without it carries
  // some 180 MB the worker never does. Registering twice is a no-op.
  await import(new URL('../dist/platform/module-hooks.js', import.meta.url).href);
  await import('reflect-metadata');
  return Promise.all(modules.map((m) => import(new URL(`../dist/${m}`, import.meta.url).href)));
}
