import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { XMLParser } from 'fast-xml-parser';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriter, type ExportField, type ExportFormat, type WrittenFile } from './export.writer.js';

const FIELDS: ExportField[] = [
  { key: 'name', label: 'Name', type: 'string' },
  { key: 'note', label: 'Note, "quoted"', type: 'text' },
  { key: 'amount', label: 'Amount', type: 'money' },
  { key: 'quantity', label: 'Quantity', type: 'decimal' },
  { key: 'count', label: 'Count', type: 'integer' },
  { key: 'day', label: 'Day', type: 'date' },
  { key: 'flag', label: 'Flag', type: 'boolean' },
  { key: 'status', label: 'Status', type: 'enum' },
];

const AWKWARD = [
  'plain',
  'Ünïcødé – 日本語 🚧 ﬁ',
  'say "hi"',
  'a,b,c',
  'line1\nline2',
  "=cmd|' /C calc'!A0",
  '@SUM(1)',
  '-2+3',
  '+1',
  '\tleading tab',
  '=1+2',
  '',
  '  spaced  ',
  '<tag attr="x">&amp;</tag>',
  "it's",
  'semi;colon|pipe',
];
const TRIGGER = /^[=+\-@\t\r]/;
const ROWS = 10_000;

interface Row {
  name: string;
  note: string | null | undefined;
  amount: number | string | null;
  quantity: number | string | null;
  count: number | bigint | null;
  day: Date | string | null;
  flag: boolean | number | null;
  status: string;
}

function row(i: number): Row {
  return {
    name: AWKWARD[i % AWKWARD.length]!,
    note: i % 11 === 0 ? null : i % 13 === 0 ? undefined : AWKWARD[(i * 7 + 3) % AWKWARD.length]!,
    // Money as mysql2 gives it (a string), as a JS number (negative too), or missing.
    amount: i % 3 === 0 ? `${i}.50` : i % 3 === 1 ? -i * 1.25 : null,
    quantity: i % 4 === 0 ? i / 8 : i % 4 === 1 ? '0.0001' : null,
    count: i % 5 === 0 ? BigInt(i) * 1000n : i % 5 === 1 ? -i : null,
    day: i % 3 === 0 ? new Date(Date.UTC(2000 + (i % 30), i % 12, (i % 28) + 1)) : i % 3 === 1 ? `2024-${String((i % 12) + 1).padStart(2, '0')}-15` : null,
    flag: i % 4 === 0 ? true : i % 4 === 1 ? false : i % 4 === 2 ? 1 : null,
    status: i % 2 ? 'open' : 'paid',
  };
}

/** What each field should read back as, in the text formats, spelled out independently of the writers. */
function expectedText(r: Row): Record<string, string | number | boolean | null> {
  const day = r.day instanceof Date ? r.day.toISOString().slice(0, 10) : r.day;
  const amount = typeof r.amount === 'number' ? r.amount.toFixed(2) : r.amount;
  return {
    name: r.name,
    note: r.note ?? null,
    amount,
    quantity: r.quantity === null ? null : String(r.quantity),
    count: r.count === null ? null : String(r.count),
    day,
    flag: r.flag === null ? null : r.flag === true || r.flag === 1,
    status: r.status,
  };
}

function csvExpected(r: Row): string[] {
  const e = expectedText(r);
  return FIELDS.map((f) => {
    const v = e[f.key];
    if (v === null || v === undefined) return '';
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (f.type === 'string' || f.type === 'text' || f.type === 'enum') return TRIGGER.test(String(v)) ? `'${String(v)}` : String(v);
    return String(v);
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trestle-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeAll(format: ExportFormat, count = ROWS, options = {}): Promise<{ file: string; result: WrittenFile }> {
  const file = path.join(dir, `rows-${count}.${format}`);
  const writer = await createWriter(format, FIELDS, file, options);
  for (let i = 0; i < count; i++) await writer.write({ ...row(i), ignored: 'not a field' });
  return { file, result: await writer.close() };
}

async function expectHashed(file: string, result: WrittenFile): Promise<Buffer> {
  const bytes = await readFile(file);
  expect(result.bytes).toBe(bytes.length);
  expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  return bytes;
}

describe('CSV writer', () => {
  it('round-trips awkward values with a BOM, CRLF, RFC 4180 quoting and neutralised formulas', async () => {
    const { file, result } = await writeAll('csv');
    expect(result.rows).toBe(ROWS);
    const bytes = await expectHashed(file, result);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    expect(text.startsWith('Name,"Note, ""quoted""",Amount,Quantity,Count,Day,Flag,Status\r\n')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const parsed = Papa.parse<string[]>(text, { header: false, newline: '\r\n', skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data).toHaveLength(ROWS + 1);
    for (let i = 0; i < ROWS; i++) expect(parsed.data[i + 1], `row ${i}`).toEqual(csvExpected(row(i)));
    // The payloads in particular, and a negative number left alone.
    const cells = parsed.data.flat();
    expect(cells).toContain("'=cmd|' /C calc'!A0");
    expect(cells).toContain("'@SUM(1)");
    expect(cells).toContain("'-2+3");
    expect(cells).toContain("'+1");
    expect(cells).toContain("'\tleading tab");
    expect(cells).toContain('-1.25');
    expect(cells).not.toContain('=1+2');
  });

  it('writes a 200k-row export to the end', async () => {
    const { file, result } = await writeAll('csv', 200_000);
    expect(result.rows).toBe(200_000);
    expect((await stat(file)).size).toBe(result.bytes);
  });
});

describe('JSON and NDJSON writers', () => {
  function expectedJson(r: Row): Record<string, unknown> {
    const e = expectedText(r);
    return { ...e, amount: e['amount'] === null ? null : Number(e['amount']), quantity: e['quantity'] === null ? null : Number(e['quantity']), count: e['count'] === null ? null : Number(e['count']) };
  }

  it('streams one valid JSON array with every field of every record', async () => {
    const { file, result } = await writeAll('json');
    const bytes = await expectHashed(file, result);
    const text = bytes.toString('utf8');
    const records = JSON.parse(text) as unknown[];
    expect(records).toHaveLength(ROWS);
    for (let i = 0; i < ROWS; i++) expect(records[i], `row ${i}`).toEqual(expectedJson(row(i)));
    // Exact decimal text survives: money from the database is not re-printed through a float.
    expect(text).toContain('"amount":3.50');
    expect(text).toContain('"amount":-1.25');
  });

  it('writes an empty array when there are no records', async () => {
    const file = path.join(dir, 'empty.json');
    const writer = await createWriter('json', FIELDS, file);
    const result = await writer.close();
    expect(result.rows).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual([]);
  });

  it('escapes text exactly as JSON.stringify does', async () => {
    const file = path.join(dir, 'escapes.ndjson');
    const writer = await createWriter('ndjson', [{ key: 'name', label: 'Name', type: 'string' }], file);
    const texts = ['plain', 'q"uote', 'back\\slash', 'ctl\u0001\u001f', 'tab\tnl\n', 'lone\uD800 and \uDC00', 'pair 🚧', 'line\u2028sep', ''];
    for (const name of texts) await writer.write({ name });
    await writer.close();
    expect(await readFile(file, 'utf8')).toBe(texts.map((t) => `{"name":${JSON.stringify(t)}}\n`).join(''));
  });

  it('writes one object per line for NDJSON', async () => {
    const { file, result } = await writeAll('ndjson');
    const text = (await expectHashed(file, result)).toString('utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(ROWS);
    for (let i = 0; i < ROWS; i++) expect(JSON.parse(lines[i]!), `row ${i}`).toEqual(expectedJson(row(i)));
  });
});

describe('XML writer', () => {
  it('escapes markup, keeps CR, drops characters XML forbids and omits missing values', async () => {
    const file = path.join(dir, 'records.xml');
    const writer = await createWriter('xml', FIELDS, file, { entityLabel: 'invoice "AP" & <AR>' });
    for (let i = 0; i < ROWS; i++) await writer.write({ ...row(i) });
    await writer.write({ name: 'bell\u0007 nul\u0000 lone\uD800 ok\r\nend', note: '', amount: null });
    const result = await writer.close();
    expect(result.rows).toBe(ROWS + 1);
    const text = (await expectHashed(file, result)).toString('utf8');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<records entity="invoice &quot;AP&quot; &amp; &lt;AR&gt;">\n')).toBe(true);

    const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, processEntities: true, htmlEntities: true, isArray: (name) => name === 'record' });
    const doc = parser.parse(text) as { records: { '@_entity': string; record: Array<Record<string, string>> } };
    expect(doc.records['@_entity']).toBe('invoice "AP" & <AR>');
    const records = doc.records.record;
    expect(records).toHaveLength(ROWS + 1);
    for (let i = 0; i < ROWS; i++) {
      const expected: Record<string, string> = {};
      for (const [key, value] of Object.entries(expectedText(row(i)))) if (value !== null) expected[key] = typeof value === 'boolean' ? String(value) : String(value);
      expect(records[i], `row ${i}`).toEqual(expected);
    }
    expect(records[ROWS]).toEqual({ name: 'bell nul lone ok\r\nend', note: '' });
  });

  it('refuses field keys that are not XML names', async () => {
    await expect(createWriter('xml', [{ key: '1st', label: 'First', type: 'string' }], path.join(dir, 'bad.xml'))).rejects.toThrow(/XML element name/);
  });
});

describe('XLSX writer', () => {
  it('writes typed cells, a frozen bold header, neutralised text and a Manifest sheet', async () => {
    const manifest = { exportId: '42', files: [{ name: 'a.xlsx' }], injected: '=HYPERLINK("http://x")', rows: ROWS };
    const { file, result } = await writeAll('xlsx', ROWS, { manifestSheet: manifest });
    expect(result.rows).toBe(ROWS);
    await expectHashed(file, result);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.getWorksheet('Data')!;
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const header = sheet.getRow(1);
    expect(FIELDS.map((_, c) => header.getCell(c + 1).value)).toEqual(FIELDS.map((f) => f.label));
    expect(header.getCell(1).font?.bold).toBe(true);
    expect(sheet.rowCount).toBe(ROWS + 1);

    for (let i = 0; i < ROWS; i++) {
      const r = row(i);
      const e = expectedText(r);
      const cells = sheet.getRow(i + 2);
      const cell = (key: string) => cells.getCell(FIELDS.findIndex((f) => f.key === key) + 1);
      const text = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? null : exceljsReads(TRIGGER.test(v) ? `'${v}` : v));
      expect(cell('name').value, `row ${i} name`).toBe(text(r.name));
      expect(cell('note').value, `row ${i} note`).toBe(text(r.note));
      expect(cell('amount').value, `row ${i} amount`).toBe(e['amount'] === null ? null : Number(e['amount']));
      expect(cell('quantity').value).toBe(e['quantity'] === null ? null : Number(e['quantity']));
      expect(cell('count').value).toBe(e['count'] === null ? null : Number(e['count']));
      expect(cell('day').value).toEqual(e['day'] === null ? null : new Date(`${String(e['day'])}T00:00:00Z`));
      expect(cell('flag').value).toBe(e['flag'] === null ? null : e['flag'] ? 'yes' : 'no');
      expect(cell('status').value).toBe(r.status);
    }
    const amount = sheet.getRow(2).getCell(3);
    expect(amount.type).toBe(ExcelJS.ValueType.Number);
    expect(amount.numFmt).toBe('#,##0.00');
    expect(sheet.getRow(2).getCell(6).type).toBe(ExcelJS.ValueType.Date);
    expect(sheet.getRow(2).getCell(6).numFmt).toBe('yyyy-mm-dd');

    // "=1+2" is a string cell (neutralised), never a formula.
    const index = AWKWARD.indexOf('=1+2');
    const formulaLike = sheet.getRow(index + 2).getCell(1);
    expect(formulaLike.type).toBe(ExcelJS.ValueType.String);
    expect(formulaLike.value).toBe("'=1+2");
    expect(formulaLike.formula).toBeUndefined();
    sheet.eachRow((r) => r.eachCell((c) => expect(c.type).not.toBe(ExcelJS.ValueType.Formula)));

    const manifestSheet = workbook.getWorksheet('Manifest')!;
    const pairs = new Map<string, unknown>();
    manifestSheet.eachRow((r, n) => {
      if (n > 1) pairs.set(r.getCell(1).text, r.getCell(2).value);
    });
    expect(pairs.get('exportId')).toBe('42');
    expect(pairs.get('rows')).toBe(ROWS);
    expect(pairs.get('files')).toBe('[{"name":"a.xlsx"}]');
    expect(pairs.get('injected')).toBe('\'=HYPERLINK("http://x")');
  });

  it('keeps the raw sheet free of formula elements', async () => {
    if (!hasUnzip()) return;
    const { file } = await writeAll('xlsx', 50);
    const xml = execFileSync('unzip', ['-p', file, 'xl/worksheets/sheet1.xml'], { encoding: 'utf8' });
    expect(xml).not.toMatch(/<f[ >]/);
    expect(xml).toContain('&apos;=1+2');
    // Encoded once, exactly: "&amp;" in the data is "&amp;amp;" in the XML.
    expect(xml).toContain('&lt;tag attr=&quot;x&quot;&gt;&amp;amp;&lt;/tag&gt;');
  });
});

describe('header labels', () => {
  it('are neutralised too: error reports take them from uploaded files', async () => {
    const fields: ExportField[] = [
      { key: 'a', label: '=HYPERLINK("http://evil")', type: 'string' },
      { key: 'b', label: '% Complete', type: 'decimal' },
    ];
    const csv = path.join(dir, 'labels.csv');
    const csvWriter = await createWriter('csv', fields, csv);
    await csvWriter.close();
    expect(await readFile(csv, 'utf8')).toBe('\uFEFF"\'=HYPERLINK(""http://evil"")",% Complete\r\n');

    const xlsx = path.join(dir, 'labels.xlsx');
    const xlsxWriter = await createWriter('xlsx', fields, xlsx);
    await xlsxWriter.close();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    expect(workbook.getWorksheet('Data')!.getRow(1).values).toEqual([undefined, '\'=HYPERLINK("http://evil")', '% Complete']);
  });
});

describe('writer lifecycle', () => {
  it('abort deletes the partial file', async () => {
    for (const format of ['csv', 'xlsx'] as const) {
      const file = path.join(dir, `aborted.${format}`);
      const writer = await createWriter(format, FIELDS, file);
      await writer.write(row(1) as unknown as Record<string, unknown>);
      await writer.abort();
      expect(existsSync(file)).toBe(false);
    }
  });

  it('fails at creation when the file cannot be opened', async () => {
    for (const format of ['csv', 'xlsx'] as const) {
      await expect(createWriter(format, FIELDS, path.join(dir, 'missing-dir', `x.${format}`))).rejects.toThrow(/ENOENT/);
    }
  });

  it('refuses duplicate or no fields', async () => {
    await expect(createWriter('csv', [], path.join(dir, 'none.csv'))).rejects.toThrow(/at least one field/);
    await expect(createWriter('csv', [FIELDS[0]!, FIELDS[0]!], path.join(dir, 'twice.csv'))).rejects.toThrow(/twice/);
  });
});

/**
 * exceljs's readers decode the XML entities of inline (and "str") string cells a second time, so
 * a text holding "&amp;" reads back as "&". The file is right (see the raw-XML test); the
 * expectation follows the reader.
 */
function exceljsReads(text: string): string {
  const once: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&apos;': "'", '&quot;': '"' };
  return text.replace(/&([a-z]*);/g, (entity) => once[entity] ?? entity);
}

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
