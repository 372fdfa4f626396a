import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { eventually } from '../../../test/support/upload.js';
import { CreateExportDocument, CreateProjectDocument, ExportDownloadDocument, ExportJobDocument } from '../../../test/generated/graphql.js';
import { upsertRecords } from '../records/index.js';
import type { TestApp } from '../../../test/support/test-app.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function finished(app: TestApp, key: string, id: string) {
  return eventually(async () => {
    const job = (await execute(app.url, ExportJobDocument, { id }, { key })).data?.exportJob;
    return job && ['COMPLETED', 'FAILED'].includes(job.status) ? job : null;
  });
}

describe('exports', () => {
  test('CSV export: a ZIP with the data and a manifest naming rows, fields and SHA-256; formulas neutralised', async ({ app, org, key }) => {
    await upsertRecords(app.app.services.db, 'vendors', { organizationId: org.id, projectId: null }, [
      { originId: 'V1', code: 'ACME', name: '=HYPERLINK("http://evil")', paymentTerms: 'net_30' },
      { originId: 'V2', code: 'BOLT', name: 'Bolt, Steel "Inc"' },
    ]);
    const started = await execute(app.url, CreateExportDocument, { type: 'VENDORS', format: 'CSV' }, { key });
    expect(started.data?.createExport.status).toBe('PENDING');
    const job = await finished(app, key, started.data!.createExport.id);
    expect(job).toMatchObject({ status: 'COMPLETED', rowCount: 2, entityType: 'vendors', format: 'CSV' });
    const manifest = job.manifest as { files: Array<{ name: string; rows: number; sha256: string }>; fields: Array<{ key: string }>; organizationId: string; schemaVersion: number };
    expect(manifest).toMatchObject({ organizationId: String(org.id), schemaVersion: 1, files: [{ name: 'vendors.csv', rows: 2 }] });
    expect(manifest.fields.map((f) => f.key)).toContain('paymentTerms');

    const link = await execute(app.url, ExportDownloadDocument, { id: job.id }, { key });
    const zip = Buffer.from(await (await fetch(app.url.replace(/\/graphql$/, '') + link.data!.exportDownload.url)).arrayBuffer());
    expect(zip.subarray(0, 4).toString('binary')).toBe('PK\u0003\u0004');
    expect(sha256(zip)).toBe(job.sha256);
    if (!existsSync('/usr/bin/unzip')) {
      console.warn('unzip absent: skipping the check of the ZIP’s entries');
      return;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'export-'));
    writeFileSync(path.join(dir, 'e.zip'), zip);
    execFileSync('unzip', ['-q', 'e.zip'], { cwd: dir });
    const data = readFileSync(path.join(dir, 'vendors.csv'));
    expect(sha256(data)).toBe(manifest.files[0]!.sha256);
    expect(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'))).toEqual(manifest);
    const text = data.toString('utf8');
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toContain('"Bolt, Steel ""Inc"""');
  });

  test('XLSX, JSON, NDJSON and XML exports complete with the project’s records only', async ({ app, org, key }) => {
    const project = await execute(app.url, CreateProjectDocument, { input: { name: 'P', code: 'P1' } }, { key });
    const projectId = project.data!.createProject.id;
    await upsertRecords(app.app.services.db, 'invoices', { organizationId: org.id, projectId: Number(projectId) }, [
      { originId: 'I1', kind: 'payable', number: 'B-1', invoiceDate: '2024-03-15', amount: '12500.10' },
    ]);
    for (const format of ['XLSX', 'JSON', 'NDJSON', 'XML'] as const) {
      const started = await execute(app.url, CreateExportDocument, { type: 'INVOICES', format, projectId }, { key });
      const job = await finished(app, key, started.data!.createExport.id);
      expect(job, format).toMatchObject({ status: 'COMPLETED', rowCount: 1 });
    }
    expect(codes(await execute(app.url, CreateExportDocument, { type: 'INVOICES', format: 'CSV' }, { key }))).toEqual(['BAD_USER_INPUT']);
  });

  test('exports need exports scopes, and belong to their organization', async ({ app, org, key }) => {
    expect(codes(await execute(app.url, CreateExportDocument, { type: 'VENDORS', format: 'CSV' }))).toEqual(['UNAUTHENTICATED']);
    const reader = await app.createKey(org.id, ['exports:read']);
    expect(codes(await execute(app.url, CreateExportDocument, { type: 'VENDORS', format: 'CSV' }, { key: reader.plaintext }))).toEqual(['FORBIDDEN']);
    const started = await execute(app.url, CreateExportDocument, { type: 'VENDORS', format: 'JSON' }, { key });
    const id = started.data!.createExport.id;
    await finished(app, key, id);
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    expect(codes(await execute(app.url, ExportJobDocument, { id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, ExportDownloadDocument, { id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, CreateExportDocument, { type: 'VENDORS', format: 'CSV', filters: { originIds: Array.from({ length: 1001 }, (_, i) => String(i)) } }, { key }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });
});

describe('exports over REST', () => {
  test('POST /api/v1/export, then GET /api/v1/export/{id} and its download', async ({ app, org, key }) => {
    const base = `${app.url.replace(/\/graphql$/, '')}/api/v1`;
    await upsertRecords(app.app.services.db, 'cost_codes', { organizationId: org.id, projectId: null }, [{ originId: 'C1', code: '03-30-00', name: 'Concrete' }]);
    const post = (body: unknown, auth: Record<string, string> = { authorization: `Bearer ${key}` }) =>
      fetch(`${base}/export`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });
    const created = await post({ type: 'cost_codes', format: 'ndjson' });
    expect(created.status).toBe(202);
    const { exportJob } = (await created.json()) as { exportJob: { id: string } };
    const done = await eventually(async () => {
      const res = await fetch(`${base}/export/${exportJob.id}`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await res.json()) as { exportJob: { status: string; sha256: string } };
      return body.exportJob.status === 'completed' ? body.exportJob : null;
    });
    const download = await fetch(`${base}/export/${exportJob.id}/download`, { headers: { authorization: `Bearer ${key}` } });
    expect(download.headers.get('content-type')).toBe('application/zip');
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(done.sha256);

    expect((await post({ type: 'cost_codes', format: 'pdf' })).status).toBe(400);
    expect((await post({ type: 'cost_codes', format: 'csv', extra: true })).status).toBe(400);
    expect((await post({ type: 'invoices', format: 'csv' })).status).toBe(400);
    const bad = await fetch(`${base}/export`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect((await post({ type: 'cost_codes', format: 'csv' }, {})).status).toBe(401);
    const reader = await app.createKey(org.id, ['exports:read']);
    expect((await post({ type: 'cost_codes', format: 'csv' }, { 'x-api-key': reader.plaintext })).status).toBe(403);
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    expect((await fetch(`${base}/export/${exportJob.id}/download`, { headers: { authorization: `Bearer ${otherKey}` } })).status).toBe(404);
  });

  test('GET /api/v1/import/templates/{type} and /api/v1/import/{id}/status', async ({ app, key }) => {
    const base = `${app.url.replace(/\/graphql$/, '')}/api/v1`;
    const auth = { authorization: `Bearer ${key}` };
    const csv = await fetch(`${base}/import/templates/cost_codes?format=csv`, { headers: auth });
    expect(csv.status).toBe(200);
    expect((await csv.text()).replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('Origin ID,Cost Code,Name,Division,Cost Type');
    expect((await fetch(`${base}/import/templates/spaceships`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${base}/import/templates/cost_codes`)).status).toBe(401);
    expect((await fetch(`${base}/import/999999/status`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${base}/import/abc/status`, { headers: auth })).status).toBe(400);
  });
});
