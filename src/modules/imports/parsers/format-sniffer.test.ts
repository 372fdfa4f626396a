import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat } from './format-sniffer.js';
import { openParsedFile } from './index.js';
import { ParseError } from './parser.types.js';
import { tempDir, writeZip, type TempDir } from './parsers.test-support.js';

let tmp: TempDir;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.remove();
});

async function reason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ParseError);
  return (error as ParseError).details.reason;
}

describe('detectFormat', () => {
  it('decides by content, with the name only as a tiebreaker', async () => {
    const cases: [string, string | Buffer, string, string | undefined][] = [
      ['a.csv', 'a,b\n1,2\n', 'csv', 'csv'],
      ['a.csv', 'a\tb\n1\t2\n', 'tsv', 'csv'],
      ['a.tsv', 'single column\nvalue\n', 'tsv', 'tsv'],
      ['a.txt', 'single column\nvalue\n', 'csv', 'csv'],
      ['a.json', '[{"a":1}]', 'json', 'json'],
      ['a.json', '  {\n  "records": [\n {"a": 1}\n ]\n}', 'json', 'json'],
      ['a.json', '{"a":1}\n{"a":2}\n', 'ndjson', 'json'],
      ['a.jsonl', '{"a":1}', 'ndjson', 'ndjson'],
      ['a.json', '{"rows":[{"a":1}]}', 'json', 'json'],
      ['a.xml', '<?xml version="1.0"?><r/>', 'xml', 'xml'],
      ['a.csv', '\ufeff<r><v/></r>', 'xml', 'csv'],
      ['a.json', 'id,name\n1,x\n', 'csv', 'json'],
      ['upload', '[\n  {"a": 1}\n]', 'json', undefined],
      ['a.csv', '[id],[name]\n1,2\n', 'csv', 'csv'],
      ['a.csv', '{id},{name}\n1,2\n', 'csv', 'csv'],
      // JSON is JSON whatever its name, whatever its values.
      ['a.json', '[1, 2, 3]', 'json', 'json'],
      ['a.json', '["a", "b"]', 'json', 'json'],
      ['a.csv', '[[1, 2], [3, 4]]', 'json', 'csv'],
      ['data.txt', '[]', 'json', 'csv'],
      // Text named .xlsx is read as CSV when it is a table.
      ['report.xlsx', 'Vendor Code;Name\nA1;Acme\n', 'csv', 'xlsx'],
    ];
    for (const [name, content, format, declared] of cases) {
      const file = await tmp.file(`sniff-${Math.random().toString(36).slice(2)}-${name}`, content);
      const detected = await detectFormat(file, name);
      expect({ name, content, format: detected.format, declared: detected.declaredFormat }).toEqual({ name, content, format, declared });
    }
  });

  it('knows an XLSX by its parts, whatever its name', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('S').addRow(['a', 'b']);
    const file = tmp.path('disguised.csv');
    await workbook.xlsx.writeFile(file);
    const detected = await detectFormat(file);
    expect(detected).toMatchObject({ format: 'xlsx', declaredFormat: 'csv' });
    const parsed = await openParsedFile(file, { declaredName: 'report.csv' });
    expect(parsed.info).toMatchObject({ format: 'xlsx', declaredFormat: 'csv' });
    await parsed.close();
  });

  it('refuses empty, binary, legacy and foreign files with a reason', async () => {
    expect(await reason(detectFormat(await tmp.file('empty.bin', '')))).toBe('EMPTY_FILE');
    expect(await reason(detectFormat(await tmp.file('ws.csv', '  \n\t\n')))).toBe('EMPTY_FILE');
    expect(await reason(detectFormat(await tmp.file('old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]))))).toBe(
      'UNSUPPORTED_FORMAT',
    );
    expect(await reason(detectFormat(await tmp.file('doc.pdf', '%PDF-1.7\n...')))).toBe('UNSUPPORTED_FORMAT');
    expect(await reason(detectFormat(await tmp.file('blob.dat', Buffer.from([1, 2, 3, 0, 0, 0, 4, 5, 6, 0]))))).toBe('UNSUPPORTED_FORMAT');
    const docx = tmp.path('letter.docx');
    await writeZip(docx, [
      { name: '[Content_Types].xml', data: '<Types/>' },
      { name: 'word/document.xml', data: '<w:document/>' },
    ]);
    expect(await reason(detectFormat(docx))).toBe('NOT_XLSX');
  });

  it('names what a file is when it is not an import', async () => {
    const named = async (name: string, content: string | Buffer) => {
      const error = await detectFormat(await tmp.file(name, content), name).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(ParseError);
      return { reason: (error as ParseError).details.reason, message: (error as ParseError).message };
    };
    expect(await named('doc.csv', '%PDF-1.7\n...')).toEqual({ reason: 'UNSUPPORTED_FORMAT', message: 'This file is a PDF document; export the data as CSV or XLSX' });
    expect((await named('img.xlsx', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).message).toContain('a PNG image');
    expect((await named('photo.csv', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).message).toContain('a JPEG image');
    expect((await named('data.csv', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]))).message).toContain('a gzip archive');
    expect((await named('notes.csv', '{\\rtf1\\ansi hello}')).message).toContain('an RTF document');
    expect((await named('export.xlsx', '<!DOCTYPE html><html><body><table><tr><td>a</td></tr></table></body></html>')).message).toBe(
      'This file is an HTML page (named .xlsx); upload CSV, TSV, XLSX, JSON, NDJSON or XML',
    );
    expect((await named('old.xml', '<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>')).message).toContain(
      'an Excel 2003 XML spreadsheet',
    );
    expect(await named('letter.xlsx', 'Dear supplier,\nplease find our prices attached.\n')).toEqual({
      reason: 'UNSUPPORTED_FORMAT',
      message: 'This file is plain text, not an Excel workbook (it is named .xlsx); upload CSV, TSV, XLSX, JSON, NDJSON or XML',
    });
  });

  it('reads a JSON array of values as JSON, and says its records are not objects', async () => {
    const file = await tmp.file('numbers.json', '[1, 2, 3]');
    const error = await openParsedFile(file, { declaredName: 'numbers.json' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as ParseError).details).toMatchObject({ reason: 'INVALID_JSON' });
    expect((error as ParseError).message).toBe('Record 1 is not a JSON object');
  });

  it('reads a forced format without detection', async () => {
    const file = await tmp.file('forced.dat', 'a;b\n1;2\n');
    const parsed = await openParsedFile(file, { format: 'csv' });
    expect(parsed.info).toMatchObject({ format: 'csv', delimiter: ';' });
    await parsed.close();
  });
});
