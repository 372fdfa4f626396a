import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, type TestDatabases } from '../../../test/support/databases.js';
import { connectMySql, type MySql } from '../../platform/db/mysql.js';
import { runMigrations } from '../../platform/db/migrate.js';
import { createLogger } from '../../platform/logging/logger.js';
import { LocalFileStore } from '../../platform/storage/local-file-store.js';
import { upsertRecords } from '../records/index.js';
import { exportJobs, type ExportFilters } from './export-jobs.table.js';
import { EXPORT_STREAM_BATCH } from './exports.reader.js';
import { runExport } from './exports.service.js';
import type { ExportFormat } from './writers/writer.types.js';

const hasUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let databases: TestDatabases;
let db: MySql;
let dir: string;
let store: LocalFileStore;
const logger = createLogger('silent');
const ACME = 1;
const OTHER = 2;
/** More rows than the reader parses ahead before pausing the socket, so pausing is exercised. */
const ROWS = EXPORT_STREAM_BATCH * 12 + 7;

const vendor = (i: number) => ({
  originId: `QB-${i}`,
  code: `V${String(i).padStart(6, '0')}`,
  name: i % 97 === 0 ? `=cmd|' /C calc'!A${i}` : `Vendor ${i}, "Ltd"`,
  email: i % 5 === 0 ? null : `ap${i}@example.com`,
  paymentTerms: i % 3 === 0 ? 'net_30' : null,
});

beforeAll(async () => {
  databases = await createTestDatabases('exports');
  db = connectMySql(databases.mysqlUrl, 3);
  await runMigrations(db.pool);
  dir = await mkdtemp(path.join(tmpdir(), 'trestle-exports-'));
  store = new LocalFileStore(dir);
  for (let start = 1; start <= ROWS; start += 2000) {
    const batch = [];
    for (let i = start; i < start + 2000 && i <= ROWS; i++) batch.push(vendor(i));
    await upsertRecords(db.db, 'vendors', { organizationId: ACME, projectId: null }, batch);
  }
  // Another organization's vendors, with codes of their own and one origin id in common.
  await upsertRecords(db.db, 'vendors', { organizationId: OTHER, projectId: null }, [
    { originId: 'QB-1', code: 'OTHER-1', name: 'Not Acme' },
    { originId: 'OT-2', code: 'OTHER-2', name: 'Vendor 2, "Ltd"' },
  ]);
}, 120_000);

afterAll(async () => {
  await db.close();
  await databases.drop();
  await rm(dir, { recursive: true, force: true });
});

async function exportOf(organizationId: number, format: ExportFormat, filters: ExportFilters = {}) {
  const [created] = await db.db.insert(exportJobs).values({ organizationId, entityType: 'vendors', format, filters });
  await runExport({ db: db.db, store, logger }, created.insertId);
  const [job] = await db.db.select().from(exportJobs).where(eq(exportJobs.id, created.insertId));
  return job!;
}

function unzipped(zipKey: string, name: string): Buffer {
  return execFileSync('unzip', ['-p', store.resolve(zipKey), name], { maxBuffer: 1 << 28 });
}

function csvRows(data: Buffer): string[][] {
  const parsed = Papa.parse<string[]>(data.toString('utf8').replace(/^\uFEFF/, ''), { header: false, newline: '\r\n', skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

describe('runExport', () => {
  it.skipIf(!hasUnzip)('exports every row of the organization, newest first, and the manifest hashes the file in the ZIP', async () => {
    const job = await exportOf(ACME, 'csv');
    expect(job).toMatchObject({ status: 'completed', rowCount: ROWS });
    const manifest = job.manifest as { files: Array<{ name: string; rows: number; bytes: number; sha256: string }> };
    expect(manifest.files).toHaveLength(1);
    expect(() => execFileSync('unzip', ['-tq', store.resolve(job.fileKey!)])).not.toThrow();
    const data = unzipped(job.fileKey!, 'vendors.csv');
    expect(manifest.files[0]).toMatchObject({ name: 'vendors.csv', rows: ROWS, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') });

    const rows = csvRows(data);
    expect(rows[0]).toEqual(['Origin ID', 'Vendor Code', 'Name', 'Tax ID', 'Email', 'Phone', 'Payment Terms', 'Status']);
    expect(rows).toHaveLength(ROWS + 1);
    // Newest first, every row once, values as written, formulas neutralised.
    for (let n = 1; n <= ROWS; n++) {
      const i = ROWS + 1 - n;
      const v = vendor(i);
      const name = v.name.startsWith('=') ? `'${v.name}` : v.name;
      expect(rows[n], `row ${n}`).toEqual([v.originId, v.code, name, '', v.email ?? '', '', v.paymentTerms ?? '', 'active']);
    }
    // The other organization's vendors never appear.
    expect(rows.flat().filter((cell) => cell.startsWith('OTHER') || cell === 'Not Acme' || cell === 'OT-2')).toEqual([]);
    // The ZIP holds nothing but the data and manifest.json, and no work file is left behind.
    expect(execFileSync('unzip', ['-Z1', store.resolve(job.fileKey!)], { encoding: 'utf8' }).trim().split('\n')).toEqual(['vendors.csv', 'manifest.json']);
    expect(await readdir(path.dirname(store.resolve(job.fileKey!)))).toEqual([path.basename(job.fileKey!)]);
  });

  it.skipIf(!hasUnzip)('applies the filters, in the organization only', async () => {
    const byOrigin = await exportOf(ACME, 'ndjson', { originIds: ['QB-1', 'QB-3', 'OT-2', 'QB-999999'] });
    expect(byOrigin).toMatchObject({ status: 'completed', rowCount: 2 });
    const lines = unzipped(byOrigin.fileKey!, 'vendors.ndjson').toString('utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { originId: string; code: string }).code)).toEqual(['V000003', 'V000001']);

    const bySearch = await exportOf(ACME, 'csv', { search: 'V00012' });
    const codes = csvRows(unzipped(bySearch.fileKey!, 'vendors.csv'))
      .slice(1)
      .map((r) => r[1]);
    expect(codes).toEqual(Array.from({ length: 10 }, (_, k) => `V00012${9 - k}`));

    const otherOrg = await exportOf(OTHER, 'json', { search: 'Vendor 2' });
    expect(otherOrg).toMatchObject({ status: 'completed', rowCount: 1 });
    expect(JSON.parse(unzipped(otherOrg.fileKey!, 'vendors.json').toString('utf8'))).toEqual([
      { originId: 'OT-2', code: 'OTHER-2', name: 'Vendor 2, "Ltd"', taxId: null, email: null, phone: null, paymentTerms: null, status: 'active' },
    ]);

    const future = await exportOf(ACME, 'csv', { updatedSince: new Date(Date.now() + 3_600_000).toISOString() });
    expect(future).toMatchObject({ status: 'completed', rowCount: 0 });
    expect(csvRows(unzipped(future.fileKey!, 'vendors.csv'))).toHaveLength(1);
  });

  it.skipIf(!hasUnzip)('writes XLSX stored in the ZIP, its manifest hash that of the workbook', async () => {
    const job = await exportOf(OTHER, 'xlsx');
    expect(job).toMatchObject({ status: 'completed', rowCount: 2 });
    const workbook = unzipped(job.fileKey!, 'vendors.xlsx');
    const manifest = job.manifest as { files: Array<{ sha256: string; bytes: number }> };
    expect(manifest.files[0]).toMatchObject({ bytes: workbook.length, sha256: createHash('sha256').update(workbook).digest('hex') });
    const listing = execFileSync('unzip', ['-v', store.resolve(job.fileKey!)], { encoding: 'utf8' });
    expect(listing).toMatch(/Stored.*vendors\.xlsx/);
  });

  it('fails cleanly, leaving no file, when the archive cannot be written', async () => {
    // The organization's exports folder is a file: the ZIP cannot be created.
    const blocked = 3;
    await upsertRecords(db.db, 'vendors', { organizationId: blocked, projectId: null }, [{ originId: 'B-1', code: 'B1', name: 'Blocked' }]);
    await writeFile(path.join(dir, `org-${blocked}`), 'not a folder');
    const job = await exportOf(blocked, 'csv');
    expect(job).toMatchObject({ status: 'failed', fileKey: null, rowCount: null });
    expect(job.errorMessage).toMatch(/internal error/);
    expect(existsSync(path.join(dir, `org-${blocked}`, 'exports'))).toBe(false);
  });
});
