import ExcelJS from 'exceljs';
import { describe, expect, test } from '../../../test/support/fixtures.js';
import { codes, execute } from '../../../test/support/test-app.js';
import { eventually, executeWithFile } from '../../../test/support/upload.js';
import { subscribe, wsClient } from '../../../test/support/ws-client.js';
import {
  CancelImportDocument,
  CreateImportDocument,
  CreateProjectDocument,
  ExecuteImportDocument,
  ImportErrorReportDocument,
  ImportJobDocument,
  ImportJobsDocument,
  ImportProgressDocument,
  ImportTemplateDocument,
  ImportTypesDocument,
  InvoicesDocument,
  ValidateImportDocument,
  VendorsDocument,
} from '../../../test/generated/graphql.js';
import type { TestApp } from '../../../test/support/test-app.js';

const VENDORS_CSV = ['Vendor ID,Vendor Name,Terms,Email', 'ACME,Acme Concrete,Net 30,ap@acme.com', 'BOLT,Bolt Steel,net_45,not-an-email', ',Missing Code,net_30,'].join('\r\n');

async function upload(app: TestApp, key: string, content: string | Buffer, name = 'vendors.csv', input: Record<string, unknown> = {}) {
  const res = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS', ...input } as never }, { name, content }, { key });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.createImport;
}

async function settled(app: TestApp, key: string, id: string, statuses: string[]) {
  return eventually(async () => {
    const res = await execute(app.url, ImportJobDocument, { id }, { key });
    const job = res.data?.importJob;
    return job && statuses.includes(job.status) ? job : null;
  });
}

describe('import: upload, map, validate, execute', () => {
  test('a CSV goes from upload to records, with a dry run and an error report on the way', async ({ app, key }) => {
    const created = await upload(app, key, VENDORS_CSV);
    expect(created.importJob).toMatchObject({ status: 'PENDING', format: 'csv', headers: ['Vendor ID', 'Vendor Name', 'Terms', 'Email'] });
    expect(created.importJob.mapping).toEqual([
      { header: 'Vendor ID', field: 'code' },
      { header: 'Vendor Name', field: 'name' },
      { header: 'Terms', field: 'paymentTerms' },
      { header: 'Email', field: 'email' },
    ]);
    const id = created.importJob.id;

    await execute(app.url, ValidateImportDocument, { id }, { key });
    const validated = await settled(app, key, id, ['VALIDATED']);
    expect(validated).toMatchObject({ totalRows: 3, failedRows: 2, hasErrorReport: true });
    expect(validated.issues.map((i) => [i.rowNumber, i.column, i.code])).toEqual([
      [3, 'Email', 'TYPE'],
      [4, 'Vendor ID', 'REQUIRED'],
    ]);
    // A dry run writes nothing.
    expect((await execute(app.url, VendorsDocument, {}, { key })).data?.vendors.nodes).toEqual([]);

    await execute(app.url, ExecuteImportDocument, { id }, { key });
    const done = await settled(app, key, id, ['COMPLETED']);
    expect(done).toMatchObject({ insertedRows: 1, updatedRows: 0, failedRows: 2, totalRows: 3 });
    const vendors = await execute(app.url, VendorsDocument, {}, { key });
    expect(vendors.data?.vendors.nodes).toEqual([expect.objectContaining({ code: 'ACME', name: 'Acme Concrete', paymentTerms: 'NET_30', originId: `import:${id}:2` })]);

    const link = await execute(app.url, ImportErrorReportDocument, { id }, { key });
    const base = app.url.replace(/\/graphql$/, '');
    const csv = await (await fetch(base + link.data!.importErrorReport.url)).text();
    expect(csv.replace(/^\uFEFF/, '').split('\r\n').slice(0, 3)).toEqual([
      'Vendor ID,Vendor Name,Terms,Email,Row,Errors,Warnings',
      'BOLT,Bolt Steel,net_45,not-an-email,3,Email: Email is not a valid e-mail address,',
      ',Missing Code,net_30,,4,Vendor ID: Vendor Code is required,',
    ]);
    const xlsxLink = await execute(app.url, ImportErrorReportDocument, { id, format: 'XLSX' }, { key });
    const xlsx = await fetch(base + xlsxLink.data!.importErrorReport.url);
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsx.arrayBuffer());
    expect(book.worksheets[0]!.getRow(2).getCell(1).value).toBe('BOLT');
  });

  test('each format imports: XLSX, JSON, NDJSON, XML', async ({ app, key }) => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Vendors');
    sheet.addRow(['Vendor Code', 'Name']);
    sheet.addRow(['X1', 'Excel Vendor']);
    const files: Array<[string, string | Buffer, string]> = [
      ['v.xlsx', Buffer.from(await book.xlsx.writeBuffer()), 'X1'],
      ['v.json', JSON.stringify([{ code: 'J1', name: 'Json Vendor' }]), 'J1'],
      ['v.ndjson', '{"code":"N1","name":"Ndjson Vendor"}\n{"code":"N2","name":"Second"}\n', 'N2'],
      ['v.xml', '<?xml version="1.0"?><Vendors><Vendor><code>M1</code><name>Xml Vendor</name></Vendor></Vendors>', 'M1'],
    ];
    for (const [name, content, code] of files) {
      const created = await upload(app, key, content, name);
      expect(created.importJob.status, name).toBe('PENDING');
      await execute(app.url, ExecuteImportDocument, { id: created.importJob.id }, { key });
      const done = await settled(app, key, created.importJob.id, ['COMPLETED', 'FAILED']);
      expect(done.status, `${name}: ${done.errorMessage}`).toBe('COMPLETED');
      const found = await execute(app.url, VendorsDocument, { filter: { search: code } }, { key });
      expect(found.data?.vendors.nodes.map((v) => v.code), name).toContain(code);
    }
  });

  test('all-or-nothing writes nothing when a row is bad, everything when all are good', async ({ app, key }) => {
    const bad = await upload(app, key, VENDORS_CSV);
    await execute(app.url, ExecuteImportDocument, { id: bad.importJob.id, mode: 'ALL_OR_NOTHING' }, { key });
    const failed = await settled(app, key, bad.importJob.id, ['FAILED', 'COMPLETED']);
    expect(failed.status).toBe('FAILED');
    expect(failed.errorMessage).toContain('nothing was written');
    expect((await execute(app.url, VendorsDocument, {}, { key })).data?.vendors.nodes).toEqual([]);

    const good = await upload(app, key, 'Vendor Code,Name,Origin ID\nG1,Good One,ERP-1\nG2,Good Two,ERP-2\n');
    await execute(app.url, ExecuteImportDocument, { id: good.importJob.id, mode: 'ALL_OR_NOTHING' }, { key });
    expect(await settled(app, key, good.importJob.id, ['COMPLETED', 'FAILED'])).toMatchObject({ status: 'COMPLETED', insertedRows: 2 });

    // The same origin ids again: updates, no duplicates.
    const again = await upload(app, key, 'Vendor Code,Name,Origin ID\nG1,Good One Renamed,ERP-1\nG2,Good Two,ERP-2\n');
    await execute(app.url, ExecuteImportDocument, { id: again.importJob.id }, { key });
    expect(await settled(app, key, again.importJob.id, ['COMPLETED'])).toMatchObject({ insertedRows: 0, updatedRows: 2 });
    const vendors = await execute(app.url, VendorsDocument, {}, { key });
    expect(vendors.data?.vendors.nodes.map((v) => v.name).sort()).toEqual(['Good One Renamed', 'Good Two']);
  });

  test('a mapping chosen once is offered again for the next file with the same headers', async ({ app, key }) => {
    const first = await upload(app, key, 'Supplier Ref,Supplier\nS1,One\n');
    const mapping = [
      { header: 'Supplier Ref', field: 'code' },
      { header: 'Supplier', field: 'name' },
    ];
    await execute(app.url, ValidateImportDocument, { id: first.importJob.id, mapping }, { key });
    await settled(app, key, first.importJob.id, ['VALIDATED']);
    const second = await upload(app, key, 'supplier ref , SUPPLIER\nS2,Two\n');
    expect(second.mappingFromSaved).toBe(true);
    expect(second.importJob.mapping.map((m) => m.field)).toEqual(['code', 'name']);
  });

  test('project records import into the named project and check references', async ({ app, key }) => {
    const project = await execute(app.url, CreateProjectDocument, { input: { name: 'Tower', code: 'TWR' } }, { key });
    const projectId = project.data!.createProject.id;
    const vendors = await upload(app, key, 'Vendor Code,Name\nACME,Acme\n');
    await execute(app.url, ExecuteImportDocument, { id: vendors.importJob.id }, { key });
    await settled(app, key, vendors.importJob.id, ['COMPLETED']);

    const csv = ['Kind,Invoice Number,Vendor Code,Invoice Date,Due Date,Amount', 'payable,B-1,ACME,2024-03-15,2024-04-14,"$12,500.10"', 'payable,B-2,NOPE,2024-03-15,2024-04-14,100', 'payable,B-3,ACME,2024-03-15,2024-03-01,100'].join('\n');
    const created = await upload(app, key, csv, 'bills.csv', { type: 'INVOICES', projectId });
    await execute(app.url, ExecuteImportDocument, { id: created.importJob.id }, { key });
    const done = await settled(app, key, created.importJob.id, ['COMPLETED']);
    expect(done.insertedRows).toBe(1);
    expect(done.issues.map((i) => i.code).sort()).toEqual(['REFERENCE', 'RULE']);
    const invoices = await execute(app.url, InvoicesDocument, { projectId }, { key });
    expect(invoices.data?.invoices.nodes).toEqual([expect.objectContaining({ number: 'B-1', amount: '12500.10', invoiceDate: '2024-03-15' })]);

    const noProject = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'INVOICES' } as never }, { name: 'b.csv', content: csv }, { key });
    expect(codes(noProject)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('import: progress, cancel and bad input', () => {
  test('importProgress streams the job’s state over graphql-ws', async ({ app, key }) => {
    const rows = Array.from({ length: 3000 }, (_, i) => `V${i},Vendor ${i}`).join('\n');
    const created = await upload(app, key, `Vendor Code,Name\n${rows}\n`);
    const sub = subscribe(wsClient(app.wsUrl, { Authorization: `Bearer ${key}` }), ImportProgressDocument, { jobId: created.importJob.id });
    const first = await sub.next();
    expect(first.importProgress).toMatchObject({ jobId: created.importJob.id, status: 'PENDING' });
    await execute(app.url, ExecuteImportDocument, { id: created.importJob.id }, { key });
    let last = first;
    while (last.importProgress.status !== 'COMPLETED') last = await sub.next(20_000);
    expect(last.importProgress).toMatchObject({ processedRows: 3000, insertedRows: 3000, totalRows: 3000 });
    await sub.close();
  }, 60_000);

  test('cancel stops a pending import; a finished one cannot be cancelled', async ({ app, key }) => {
    const created = await upload(app, key, 'Vendor Code,Name\nC1,Cancelled\n');
    const cancelled = await execute(app.url, CancelImportDocument, { id: created.importJob.id }, { key });
    expect(cancelled.data?.cancelImport.status).toBe('CANCELLED');
    expect(codes(await execute(app.url, CancelImportDocument, { id: created.importJob.id }, { key }))).toEqual(['CONFLICT']);
    expect(codes(await execute(app.url, ExecuteImportDocument, { id: created.importJob.id }, { key }))).toEqual(['CONFLICT']);
  });

  test('files that cannot be read fail with a clear reason, and the server stays up', async ({ app, key }) => {
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['empty.csv', '', /empty/i],
      ['fake.xlsx', Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(200, 7)]), /xlsx|zip|corrupt|archive/i],
      ['bomb.xml', '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><r><v>&lol2;</v></r>', /entit/i],
      ['broken.json', '[{"code": "A", "name": ', /json/i],
    ];
    for (const [name, content, message] of cases) {
      const created = await upload(app, key, content, name);
      if (created.importJob.status === 'FAILED') {
        expect(created.importJob.errorMessage, name).toMatch(message);
        continue;
      }
      // Some problems only show while reading on: the run fails with the reason.
      await execute(app.url, ExecuteImportDocument, { id: created.importJob.id }, { key });
      const done = await settled(app, key, created.importJob.id, ['FAILED', 'COMPLETED']);
      expect(done.status, name).toBe('FAILED');
      expect(done.errorMessage, name).toMatch(message);
    }
    expect((await fetch(app.url.replace(/graphql$/, 'healthz'))).status).toBe(200);
  });

  test('a mapping that does not fit the file is refused', async ({ app, key }) => {
    const created = await upload(app, key, VENDORS_CSV);
    const id = created.importJob.id;
    expect(codes(await execute(app.url, ValidateImportDocument, { id, mapping: [{ header: 'Vendor ID', field: 'flavour' }] }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await execute(app.url, ValidateImportDocument, { id, mapping: [{ header: 'Nope', field: 'code' }] }, { key }))).toEqual(['BAD_USER_INPUT']);
    expect(
      codes(
        await execute(app.url, ValidateImportDocument, { id, mapping: [{ header: 'Vendor ID', field: 'code' }, { header: 'Vendor Name', field: 'code' }] }, { key }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });

  test('an upload without the preflight header is refused (CSRF), and importTypes lists every type', async ({ app, key }) => {
    const res = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'v.csv', content: VENDORS_CSV }, { key, preflight: false });
    expect(res.status).toBe(400);
    const types = await execute(app.url, ImportTypesDocument, {}, { key });
    expect(types.data?.importTypes.map((t) => t.type)).toContain('INVOICES');
    const invoices = types.data!.importTypes.find((t) => t.type === 'INVOICES')!;
    expect(invoices.fields.find((f) => f.key === 'vendorCode')?.reference).toBe('vendors.code');
  });
});

describe('import: access', () => {
  test('requires a key, imports:write to change and imports:read to look', async ({ app, org, key }) => {
    const created = await upload(app, key, VENDORS_CSV);
    const id = created.importJob.id;
    const anonymous = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'v.csv', content: VENDORS_CSV });
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
    expect(codes(await execute(app.url, ImportJobDocument, { id }))).toEqual(['UNAUTHENTICATED']);

    const reader = await app.createKey(org.id, ['imports:read']);
    const denied = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS' } as never }, { name: 'v.csv', content: VENDORS_CSV }, { key: reader.plaintext });
    expect(codes(denied)).toEqual(['FORBIDDEN']);
    expect(codes(await execute(app.url, ExecuteImportDocument, { id }, { key: reader.plaintext }))).toEqual(['FORBIDDEN']);
    expect((await execute(app.url, ImportJobDocument, { id }, { key: reader.plaintext })).errors).toBeUndefined();
    const stranger = await app.createKey(org.id, ['keys:read']);
    expect(codes(await execute(app.url, ImportJobsDocument, {}, { key: stranger.plaintext }))).toEqual(['FORBIDDEN']);
  });

  test('another organization cannot see, run, cancel or watch the job', async ({ app, key }) => {
    const created = await upload(app, key, VENDORS_CSV);
    const id = created.importJob.id;
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    expect(codes(await execute(app.url, ImportJobDocument, { id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, ExecuteImportDocument, { id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, CancelImportDocument, { id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect(codes(await execute(app.url, ImportErrorReportDocument, { id }, { key: otherKey }))).toEqual(['NOT_FOUND']);
    expect((await execute(app.url, ImportJobsDocument, {}, { key: otherKey })).data?.importJobs.nodes).toEqual([]);
    const sub = subscribe(wsClient(app.wsUrl, { Authorization: `Bearer ${otherKey}` }), ImportProgressDocument, { jobId: id });
    await expect(sub.next()).rejects.toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    await sub.close();
  });
});

describe('import: REST upload', () => {
  test('POST /api/v1/import/upload creates the same job; errors are JSON with a status', async ({ app, org, key }) => {
    const base = app.url.replace(/\/graphql$/, '');
    const post = (query: string, headers: Record<string, string>) =>
      fetch(`${base}/api/v1/import/upload?${query}`, { method: 'POST', headers, body: VENDORS_CSV });
    const ok = await post('type=vendors&fileName=v.csv', { authorization: `Bearer ${key}` });
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as { importJob: { status: string; headers: string[] } };
    expect(body.importJob).toMatchObject({ status: 'pending', headers: ['Vendor ID', 'Vendor Name', 'Terms', 'Email'] });

    expect((await post('type=vendors', {})).status).toBe(401);
    const reader = await app.createKey(org.id, ['imports:read']);
    expect((await post('type=vendors', { 'x-api-key': reader.plaintext })).status).toBe(403);
    const missing = await post('', { authorization: `Bearer ${key}` });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    expect((await post('type=spaceships', { authorization: `Bearer ${key}` })).status).toBe(400);
  });
});

describe('import: REST validate and execute', () => {
  test('validate checks without writing, execute writes the valid rows; bad input, auth and other organizations are refused', async ({ app, org, key }) => {
    const base = app.url.replace(/\/graphql$/, '');
    const post = (path: string, body: unknown, apiKey: string | null = key) =>
      fetch(`${base}/api/v1/import/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const status = async (id: string) => ((await (await fetch(`${base}/api/v1/import/${id}/status`, { headers: { authorization: `Bearer ${key}` } })).json()) as { importJob: { status: string; failedRows: number; insertedRows: number } }).importJob;
    const created = await upload(app, key, VENDORS_CSV);
    const id = created.importJob.id;
    const mapping = { 'Vendor ID': 'code', 'Vendor Name': 'name', Terms: 'paymentTerms', Email: 'email' };

    const validated = await post('validate', { importJobId: id, mapping });
    expect(validated.status).toBe(202);
    const done = await eventually(async () => {
      const job = await status(id);
      return job.status === 'validated' ? job : null;
    });
    expect(done.failedRows).toBe(2);
    const [before] = await app.app.services.pool.query('SELECT COUNT(*) AS n FROM vendors WHERE organization_id = ?', [org.id]);
    expect(before).toEqual([{ n: 0 }]);

    // Refused: no key, a read-only key, another organization's job, malformed bodies, a mode on validate.
    expect((await post('execute', { importJobId: id }, null)).status).toBe(401);
    const reader = await app.createKey(org.id, ['imports:read']);
    expect((await post('execute', { importJobId: id }, reader.plaintext)).status).toBe(403);
    const other = await app.createOrganization();
    const otherKey = (await app.createKey(other.id)).plaintext;
    const foreign = await post('execute', { importJobId: id }, otherKey);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    for (const bad of ['{"importJobId":', { importJobId: 'x' }, { importJobId: id, extra: 1 }, { importJobId: id, mode: 'sometimes' }, { importJobId: id, mapping: { Email: 42 } }]) {
      const res = await post('execute', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    }
    expect((await post('validate', { importJobId: id, mode: 'skip_invalid' })).status).toBe(400);

    const executed = await post('execute', { importJobId: id, mode: 'skip_invalid' });
    expect(executed.status).toBe(202);
    const imported = await eventually(async () => {
      const job = await status(id);
      return job.status === 'completed' ? job : null;
    });
    expect(imported).toMatchObject({ insertedRows: 1, failedRows: 2 });
    // A finished job cannot run again.
    const again = await post('execute', { importJobId: id });
    expect(again.status).toBe(409);
  });
});

describe('import templates', () => {
  test('importTemplate links an XLSX with validation and a CSV with the labelled header', async ({ app, org, key }) => {
    const base = app.url.replace(/\/graphql$/, '');
    const xlsx = await execute(app.url, ImportTemplateDocument, { type: 'INVOICES' }, { key });
    const file = await fetch(base + xlsx.data!.importTemplate.url);
    expect(file.headers.get('content-disposition')).toContain('.xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await file.arrayBuffer());
    expect(book.getWorksheet('Data')!.getRow(1).getCell(1).value).toBeTruthy();
    expect(book.getWorksheet('Fields')).toBeTruthy();
    const csv = await execute(app.url, ImportTemplateDocument, { type: 'VENDORS', format: 'CSV' }, { key });
    const text = await (await fetch(base + csv.data!.importTemplate.url)).text();
    expect(text.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe('Origin ID,Vendor Code,Name,Tax ID,Email,Phone,Payment Terms,Status');
    // The link is the credential, and it is not a guessable one.
    expect((await fetch(`${base}/api/v1/files/${'x'.repeat(40)}`)).status).toBe(404);
    expect(codes(await execute(app.url, ImportTemplateDocument, { type: 'VENDORS' }))).toEqual(['UNAUTHENTICATED']);
    const weak = await app.createKey(org.id, ['keys:read']);
    expect(codes(await execute(app.url, ImportTemplateDocument, { type: 'VENDORS' }, { key: weak.plaintext }))).toEqual(['FORBIDDEN']);
    const bad = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ importTemplate(type: SPACESHIPS) { url } }' }),
    });
    expect(bad.status).toBe(400);
  });
});

describe('import: origin ids', () => {
  test('rows whose origin id cell is empty still import, once', async ({ app, key }) => {
    const created = await upload(app, key, 'Origin ID,Vendor Code,Name\nERP-9,K1,Keyed\n,K2,Unkeyed\n');
    await execute(app.url, ExecuteImportDocument, { id: created.importJob.id }, { key });
    const done = await settled(app, key, created.importJob.id, ['COMPLETED', 'FAILED']);
    expect(done).toMatchObject({ status: 'COMPLETED', insertedRows: 2, failedRows: 0 });
    const vendors = await execute(app.url, VendorsDocument, {}, { key });
    expect(vendors.data?.vendors.nodes.map((v) => v.originId).sort()).toEqual(['ERP-9', `import:${created.importJob.id}:3`]);
  });
});
