import { readFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, test } from './support/fixtures.js';
import { execute, type TestApp } from './support/test-app.js';
import { eventually, executeWithFile } from './support/upload.js';
import { CreateImportDocument, ExecuteImportDocument, ImportJobDocument, VendorsDocument } from './generated/graphql.js';
import { FIXTURES_DIR, realFilesPresent } from './support/real-files.js';

/*
 * Which row is the header and which sheet is read, decided when the file is uploaded and shown
 * to the caller (sheets, headerRow, warnings) so a person can create the import again with
 * another choice. Real files from ../shared/fixtures (SOURCES.tsv); that part skips, visibly,
 * where the folder is absent (TRESTLE_FIXTURES_DIR points elsewhere).
 */

const FIXTURES = FIXTURES_DIR;
const fixturesPresent = realFilesPresent('the real files of imports.header');

async function upload(app: TestApp, key: string, name: string, content: string | Buffer, input: Record<string, unknown> = {}) {
  const res = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS', ...input } as never }, { name, content }, { key });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.createImport;
}

/** A vendor list as accounting systems export it: a merged title, a "Customer:" label row, a date line, then the table. */
async function titledWorkbook(): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Vendors');
  sheet.addRow(['Vendor master list – Acme Builders']);
  sheet.mergeCells('A1:D1');
  sheet.addRow(['Customer:', 'Acme Builders Ltd']);
  sheet.addRow(['Printed:', new Date(Date.UTC(2026, 10, 30))]);
  sheet.addRow([]);
  sheet.addRow(['Vendor Code', 'Vendor Name', 'Payment Terms', 'Email']);
  sheet.addRow(['ACME', 'Acme Concrete', 'Net 30', 'ap@acme.example']);
  sheet.addRow(['BOLT', 'Bolt Steel', 'Net 45', 'ap@bolt.example']);
  return Buffer.from(await book.xlsx.writeBuffer());
}

describe('header row and sheet', () => {
  test('an XLSX with a merged title and label rows above the table: the header is the table’s', async ({ app, key }) => {
    const created = await upload(app, key, 'vendors.xlsx', await titledWorkbook());
    expect(created.headerRow).toBe(5);
    expect(created.importJob).toMatchObject({ status: 'PENDING', headerRow: 5, sheet: 'Vendors', headers: ['Vendor Code', 'Vendor Name', 'Payment Terms', 'Email'] });
    expect(created.sheets).toEqual([{ name: 'Vendors', position: 1, hidden: false, veryHidden: false, rowCount: 7, hasData: true, chosen: true }]);
    await execute(app.url, ExecuteImportDocument, { id: created.importJob.id }, { key });
    const done = await eventually(async () => {
      const job = (await execute(app.url, ImportJobDocument, { id: created.importJob.id }, { key })).data?.importJob;
      return job && ['COMPLETED', 'FAILED'].includes(job.status) ? job : null;
    });
    expect(done).toMatchObject({ status: 'COMPLETED', insertedRows: 2, failedRows: 0 });
  });

  test('a CSV with title lines: the same, and headerRow chooses another row', async ({ app, key }) => {
    const csv = ['Vendor list,,,', 'Customer:,Acme Builders Ltd,,', ',,,', 'Vendor Code,Vendor Name,Payment Terms,Email', 'ACME,Acme Concrete,Net 30,ap@acme.example'].join('\n');
    const created = await upload(app, key, 'vendors.csv', csv);
    expect(created.headerRow).toBe(4);
    expect(created.importJob.headers).toEqual(['Vendor Code', 'Vendor Name', 'Payment Terms', 'Email']);
    expect(created.sheets).toEqual([]);
    const forced = await upload(app, key, 'vendors.csv', csv, { headerRow: 2 });
    expect(forced.headerRow).toBe(2);
    expect(forced.importJob.headers).toEqual(['Customer:', 'Acme Builders Ltd', '', '']);
    const bad = await executeWithFile(app.url, CreateImportDocument, { input: { type: 'VENDORS', headerRow: 0 } as never }, { name: 'v.csv', content: csv }, { key });
    expect(bad.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    // Over REST too.
    const base = app.url.replace(/\/graphql$/, '');
    const rest = await fetch(`${base}/api/v1/import/upload?type=vendors&fileName=v.csv&headerRow=4`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: csv });
    expect(await rest.json()).toMatchObject({ headerRow: 4, sheets: [], warnings: [], importJob: { headerRow: 4 } });
    expect((await fetch(`${base}/api/v1/import/upload?type=vendors&fileName=v.csv&headerRow=x`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: csv })).status).toBe(400);
  });

  test('a visible sheet holding only a link is passed over for the hidden data sheet, with a warning; a visible data sheet wins over both', async ({ app, key }) => {
    const book = new ExcelJS.Workbook();
    const cover = book.addWorksheet('Read me');
    cover.getCell('A1').value = { text: 'Open the vendor list', hyperlink: "#'Data'!A1" };
    const data = book.addWorksheet('Data', { state: 'hidden' });
    data.addRow(['Vendor Code', 'Vendor Name']);
    data.addRow(['H1', 'Hidden Vendor']);
    const created = await upload(app, key, 'linked.xlsx', Buffer.from(await book.xlsx.writeBuffer()));
    expect(created.importJob).toMatchObject({ sheet: 'Data', headers: ['Vendor Code', 'Vendor Name'] });
    expect(created.warnings).toEqual(['No visible sheet holds a table: the hidden sheet "Data" was read; choose another sheet if that is wrong']);
    expect(created.sheets.map((s) => [s.name, s.hidden, s.hasData, s.chosen])).toEqual([
      ['Read me', false, false, false],
      ['Data', true, true, true],
    ]);

    const visible = book.addWorksheet('Vendors');
    visible.addRow(['Vendor Code', 'Vendor Name']);
    visible.addRow(['V1', 'Visible Vendor']);
    const second = await upload(app, key, 'three.xlsx', Buffer.from(await book.xlsx.writeBuffer()));
    expect(second.importJob.sheet).toBe('Vendors');
    expect(second.warnings).toEqual([]);
    // And a person may still choose the hidden one.
    const chosen = await upload(app, key, 'three.xlsx', Buffer.from(await book.xlsx.writeBuffer()), { sheet: 'Data' });
    expect(chosen.importJob.sheet).toBe('Data');
    await execute(app.url, ExecuteImportDocument, { id: chosen.importJob.id }, { key });
    await eventually(async () => (await execute(app.url, VendorsDocument, { filter: { search: 'H1' } }, { key })).data?.vendors.nodes.length === 1);
  });

  test.skipIf(!fixturesPresent)('fixture: the KRISHNAPATNAM line-up, header below its title rows', async ({ app, key }) => {
    const content = readFileSync(path.join(FIXTURES, 'xlsx/exceljs-KRISHNAPATNAM_LINE_UP.xlsx'));
    const created = await upload(app, key, 'line-up.xlsx', content);
    expect(created.headerRow).toBe(5);
    expect(created.importJob.headers).toEqual(['', 'VESSELS NAME:', 'ARRVD', 'BRTHED', 'ETC/D', 'QTY(IMP)', 'QTY (EXP)', 'CARGO', 'REMARKS']);
    expect(created.sheets.map((s) => [s.name, s.hidden, s.hasData, s.chosen, s.rowCount])).toEqual([
      ['KRISHNAPATNAM', false, true, true, 253],
      ['Sheet1', false, false, false, 1],
    ]);
  });

  test.skipIf(!fixturesPresent)('fixture: csvkit test_latin1.csv keeps its first row as the header', async ({ app, key }) => {
    const created = await upload(app, key, 'latin1.csv', readFileSync(path.join(FIXTURES, 'csv/csvkit-test_latin1.csv')));
    expect(created.headerRow).toBe(1);
  });
});
