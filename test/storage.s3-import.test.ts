import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { createApiKey } from '../src/modules/keys/index.js';
import { createOrganization } from '../src/modules/organizations/index.js';
import { createTestDatabases, type TestDatabases } from './support/databases.js';
import { s3Server, uniquePrefix, type S3Server } from './support/s3-server.js';
import { execute, testEnv } from './support/test-app.js';
import { eventually, executeWithFile } from './support/upload.js';
import { CreateImportDocument, ExecuteImportDocument, ImportErrorReportDocument, ImportJobDocument, VendorsDocument } from './generated/graphql.js';

/*
 * An import on S3 end to end, across processes that share only the databases and the bucket: an
 * API server (no worker) takes the upload through GraphQL, a worker (no HTTP) runs the import
 * from the bucket, and the error report goes back through the API server, streamed (the default)
 * or as a redirect to a presigned URL. No process keeps a file in its own folder.
 */

const server = await s3Server();
const skip = 'skipped' in server;
if (skip) console.warn(`S3 import test skipped: the S3-compatible server did not start (${server.skipped})`);

interface Running {
  app: App;
  base: string;
  storageDir: string;
}

async function vendorWorkbook(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Vendors');
  sheet.addRow(['Vendor Code', 'Vendor Name']);
  sheet.addRow(['S3-ACME', 'Acme Concrete']);
  sheet.addRow(['S3-BOLT', '']);
  sheet.addRow(['S3-CRANE', 'Crane Hire']);
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe.skipIf(skip)('an import with files on S3', () => {
  let databases: TestDatabases;
  const running: Running[] = [];
  let prefix: string;
  let passed = false;

  async function start(label: string, roles: { http: boolean; worker: boolean }, extra: Record<string, string> = {}): Promise<Running> {
    const storageDir = await mkdtemp(path.join(os.tmpdir(), `trestle-${label}-`));
    const env = testEnv(databases, { ...(server as S3Server).env(prefix), STORAGE_DIR: storageDir, STORAGE_TEMP_DIR: path.join(storageDir, 'tmp'), ...extra });
    const config = loadConfig(env);
    const app = await createApp(config, createLogger(config.LOG_LEVEL, { suite: label }), roles);
    const port = roles.http ? await app.listen(0, '127.0.0.1') : 0;
    const started = { app, base: `http://127.0.0.1:${port}`, storageDir };
    running.push(started);
    return started;
  }

  beforeAll(async () => {
    databases = await createTestDatabases('s3import');
    prefix = uniquePrefix('import');
  });
  afterAll(async () => {
    for (const r of running.reverse()) {
      await r.app.close();
      await rm(r.storageDir, { recursive: true, force: true });
    }
    if (passed) await databases?.drop();
  });

  test('an upload taken by one server is run by a worker that shares only the databases and the bucket', async () => {
    const api = await start('api', { http: true, worker: false });
    const worker = await start('worker', { http: false, worker: true });
    const presigning = await start('api-presigned', { http: true, worker: false }, { STORAGE_DOWNLOADS: 'presigned' });
    const system = { type: 'system' as const, id: 'test' };
    const org = await createOrganization(api.app.services.db, system, { name: 'S3 Builders' });
    const other = await createOrganization(api.app.services.db, system, { name: 'Other Builders' });
    const newKey = async (organizationId: number) =>
      (await createApiKey(api.app.services.db, system, null, { organizationId, name: 'test key', scopes: ['*'], rateLimit: undefined, expiresAt: undefined }, 1000)).plaintext;
    const key = await newKey(org.id);
    const url = `${api.base}/graphql`;

    const created = await executeWithFile(url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'vendors.xlsx', content: await vendorWorkbook() }, { key });
    expect(created.errors).toBeUndefined();
    const job = created.data!.createImport.importJob;
    expect(job).toMatchObject({ status: 'PENDING', headers: ['Vendor Code', 'Vendor Name'] });
    // The upload is an object under the organization's prefix, not a file of the server.
    const uploads = await (server as S3Server).objectKeys(prefix);
    expect(uploads).toEqual([expect.stringMatching(new RegExp(`^${prefix}org-${org.id}/uploads/[0-9a-f-]{36}\\.xlsx$`))]);

    const executed = await execute(url, ExecuteImportDocument, { id: job.id }, { key });
    expect(executed.errors).toBeUndefined();
    const done = await eventually(async () => {
      const res = await execute(url, ImportJobDocument, { id: job.id }, { key });
      const current = res.data?.importJob;
      return current && ['COMPLETED', 'FAILED'].includes(current.status) ? current : null;
    }, 60_000);
    expect(done).toMatchObject({ status: 'COMPLETED', insertedRows: 2, failedRows: 1, hasErrorReport: true });
    const vendors = await execute(url, VendorsDocument, {}, { key });
    expect(vendors.data!.vendors.nodes.map((n) => n.code).sort()).toEqual(['S3-ACME', 'S3-CRANE']);

    // The error report, written by the worker into the bucket, streamed by the API server.
    const report = await execute(url, ImportErrorReportDocument, { id: job.id }, { key });
    const csv = await fetch(`${api.base}${report.data!.importErrorReport.url}`);
    expect(csv.status).toBe(200);
    expect(await csv.text()).toMatch(/^Vendor Code,Vendor Name,Row,Errors,Warnings\r?\nS3-BOLT,,3,/);
    // Its XLSX form is made by the API server from the CSV object (a local copy, then released).
    const xlsxLink = await execute(url, ImportErrorReportDocument, { id: job.id, format: 'XLSX' as never }, { key });
    const xlsx = await fetch(`${api.base}${xlsxLink.data!.importErrorReport.url}`);
    expect(xlsx.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
    expect(book.worksheets[0]!.getRow(2).getCell(1).value).toBe('S3-BOLT');

    // With STORAGE_DOWNLOADS=presigned the same link redirects to the bucket.
    const presignedLink = await execute(`${presigning.base}/graphql`, ImportErrorReportDocument, { id: job.id }, { key });
    const redirect = await fetch(`${presigning.base}${presignedLink.data!.importErrorReport.url}`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get('location')!;
    expect(location.startsWith((server as S3Server).endpoint)).toBe(true);
    const direct = await fetch(location);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-disposition')).toBe(`attachment; filename="import-${job.id}-errors.csv"`);
    expect(await direct.text()).toMatch(/^Vendor Code,Vendor Name,Row/);

    // Another organization's key reaches neither the job nor its report.
    const otherKey = await newKey(other.id);
    const foreign = await execute(url, ImportErrorReportDocument, { id: job.id }, { key: otherKey });
    expect(foreign.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');

    // Every file lives in the bucket, under the organization's prefix; no process kept one on its disk.
    const keys = await (server as S3Server).objectKeys(prefix);
    expect(keys.every((k) => k.startsWith(`${prefix}org-${org.id}/`))).toBe(true);
    expect(keys.filter((k) => k.includes('/reports/'))).toHaveLength(2);
    for (const r of [api, worker, presigning]) {
      const left = await readdir(r.storageDir, { recursive: true, withFileTypes: true });
      expect(left.filter((e) => e.isFile()).map((e) => e.name), r.storageDir).toEqual([]);
    }
    passed = true;
  }, 180_000);
});
