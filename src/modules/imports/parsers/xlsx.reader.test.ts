import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openParsedFile } from './index.js';
import { allRows, allValues, minimalXlsxParts, sheetXml, writeZip, rejection, useTempDir } from './parsers.test-support.js';
import { day, hiddenSheetWorkbook, streamedWorkbook, vendorWorkbook, writeSheetFirst } from './xlsx.test-support.js';

const tmp = useTempDir();

describe('XLSX', () => {
  it('finds the header below a title row, spreads the merged header, reads typed cells', async () => {
    const file = tmp.path('vendors.xlsx');
    await vendorWorkbook(file);
    const parsed = await openParsedFile(file);
    expect(parsed.format).toBe('xlsx');
    expect(parsed.info).toMatchObject({ sheet: 'Vendors', sheetPosition: 2, sheetCount: 2, date1904: 0, header: 'text-row' });
    expect(parsed.headerRowNumber).toBe(3);
    expect(parsed.headers).toEqual(['Name', 'Address', 'Address', 'Since', 'Total', 'Active', 'Ratio']);
    const rows = await allRows(parsed);
    expect(rows.map((r) => r.rowNumber)).toEqual([4, 5, 7]);
    expect(rows[0]!.values).toEqual(['Acme', 'Main St 1', 'Springfield', day(2020, 1, 15), 3, true, '#DIV/0!']);
    expect(rows[1]!.values).toEqual(['Bold & Co', 'example.com', null, day(2021, 3, 4), 12.5, false, '#N/A']);
    expect(rows[2]!.values).toEqual(['Zed', '_x000D_ literal', null, null, null, null, null]);
  });

  it('reads dates of a 1904 workbook', async () => {
    const file = tmp.path('vendors-1904.xlsx');
    await vendorWorkbook(file, true);
    const parsed = await openParsedFile(file);
    expect(parsed.info.date1904).toBe(1);
    const rows = await allValues(parsed);
    expect(rows[0]![3]).toEqual(day(2020, 1, 15));
    expect(rows[1]![3]).toEqual(day(2021, 3, 4));
  });

  it('chooses a sheet by name or position, and says which sheets exist', async () => {
    const file = tmp.path('vendors-sheets.xlsx');
    await vendorWorkbook(file);
    const byName = await openParsedFile(file, { sheet: 'vendors' });
    expect(byName.info.sheet).toBe('Vendors');
    await byName.close();
    const second = await openParsedFile(file, { sheet: '2' });
    expect(second.info.sheet).toBe('Vendors');
    await second.close();
    const empty = await openParsedFile(file, { sheet: 1 });
    expect(empty.headers).toEqual([]);
    expect(await allRows(empty)).toEqual([]);
    const missing = await rejection(openParsedFile(file, { sheet: 'Invoices' }));
    expect(missing.details.reason).toBe('SHEET_NOT_FOUND');
    expect(missing.message).toContain('Empty, Vendors');
  });

  it('passes over a hidden sheet with data by default', async () => {
    const file = tmp.path('hidden.xlsx');
    await hiddenSheetWorkbook(file);
    const parsed = await openParsedFile(file);
    expect(parsed.info).toMatchObject({ sheet: 'Data', sheetPosition: 2 });
    expect(await allValues(parsed)).toEqual([[1, 'Acme']]);
  });

  it('streams a sheet stored before its shared strings and one stored after (streaming writer)', async () => {
    const file = tmp.path('streamed.xlsx');
    await streamedWorkbook(file, 2000);
    const parsed = await openParsedFile(file);
    const rows = await allValues(parsed);
    expect(rows).toHaveLength(2000);
    expect(rows[1999]).toEqual([2000, 'name 2000']);
  });

  it('stops early without leaking: break out of the loop, or close()', async () => {
    const file = tmp.path('break.xlsx');
    await vendorWorkbook(file);
    const parsed = await openParsedFile(file);
    for await (const _row of parsed.rows) break;
    const unread = await openParsedFile(file);
    await unread.close();
  });

  it('reads a text file named .xlsx as what it is, recording the declared format', async () => {
    const file = await tmp.file('liar.xlsx', 'Name,City\nAcme,Austin\n');
    const parsed = await openParsedFile(file);
    expect(parsed.format).toBe('csv');
    expect(parsed.info).toMatchObject({ format: 'csv', declaredFormat: 'xlsx' });
    expect(await allValues(parsed)).toEqual([['Acme', 'Austin']]);
  });

  it('refuses random bytes named .xlsx', async () => {
    const file = await tmp.file('random.xlsx', randomBytes(20_000));
    expect((await rejection(openParsedFile(file))).details.reason).toBe('CORRUPT_XLSX');
  });

  it('refuses a truncated workbook', async () => {
    const file = tmp.path('truncated.xlsx');
    await vendorWorkbook(file);
    await truncate(file, Math.floor((await stat(file)).size / 2));
    expect((await rejection(openParsedFile(file))).details.reason).toBe('CORRUPT_XLSX');
  });

  it('refuses a workbook whose compressed data is damaged (CRC/inflate check)', async () => {
    const file = tmp.path('flipped.xlsx');
    await writeZip(file, minimalXlsxParts({ name: 'sheet', data: sheetXml([['a', 'b'], ...Array.from({ length: 500 }, (_, i) => [`x${i}`, `y${i * 7}`])]) }));
    const bytes = await readFile(file);
    const at = bytes.indexOf('xl/worksheets/sheet1.xml') + 200;
    for (let i = at; i < at + 16; i++) bytes[i] = bytes[i]! ^ 0xff;
    await writeFile(file, bytes);
    expect((await rejection(openParsedFile(file))).details.reason).toBe('CORRUPT_XLSX');
  });

  it('refuses a ZIP that is not a workbook', async () => {
    const file = tmp.path('other.zip');
    await writeZip(file, [{ name: 'readme.txt', data: 'hello' }]);
    expect((await rejection(openParsedFile(file, { declaredName: 'upload.xlsx' }))).details.reason).toBe('NOT_XLSX');
  });

  it('reads a minimal hand-made workbook (inline strings, no styles, no shared strings)', async () => {
    const file = tmp.path('minimal.xlsx');
    await writeZip(file, minimalXlsxParts({ name: 'sheet', data: sheetXml([['code', 'label'], ['A1', 'Alpha &amp; Co']]) }));
    const parsed = await openParsedFile(file);
    expect(parsed.headers).toEqual(['code', 'label']);
    expect(await allValues(parsed)).toEqual([['A1', 'Alpha & Co']]);
  });
});

describe('XLSX stored sheet-first, as Excel stores it', () => {
  // The worksheet comes before the styles and shared strings it needs. exceljs's streaming reader
  // parked such a sheet in a temp file and, through unzipper's early 'end', sometimes lost the
  // parts that came last; those are now read in the integrity pass, before the sheet. Repeated,
  // because that loss depended on timing.
  it('never loses the styles or shared strings that follow the sheet', async () => {
    const file = tmp.path('sheet-first.xlsx');
    await writeSheetFirst(file);
    for (let run = 0; run < 20; run++) {
      const parsed = await openParsedFile(file);
      expect(parsed.headers).toEqual(['Name', 'Due']);
      expect(await allValues(parsed)).toEqual([['Acme', day(2023, 3, 15)]]);
    }
  });

  // createImport opens the upload for its headers only and closes it. exceljs's reader parked
  // such a sheet in the OS temp folder and left it there when the file was closed early.
  it('leaves the temp folder as it was when opened for headers only, or read to the end', async () => {
    const file = tmp.path('sheet-first-temp.xlsx');
    await writeSheetFirst(file, 5000);
    const tempFolder = await mkdtemp(path.join(tmp.dir, 'os-tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tempFolder;
    try {
      expect(os.tmpdir()).toBe(tempFolder);
      const headersOnly = await openParsedFile(file);
      expect(headersOnly.headers).toEqual(['Name', 'Due']);
      await headersOnly.close();
      const whole = await openParsedFile(file);
      expect(await allRows(whole)).toHaveLength(5001);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await readdir(tempFolder)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe('XLSX ZIP bombs', () => {
  it('refuses an entry that declares 300 MB (a highly compressible sheet of zeros)', async () => {
    const file = tmp.path('bomb-300.xlsx');
    await writeZip(file, minimalXlsxParts({ name: 'sheet', zeros: 300 * 1024 * 1024 }));
    expect((await stat(file)).size).toBeLessThan(1024 * 1024);
    const error = await rejection(openParsedFile(file));
    expect(error.details.reason).toBe('ZIP_BOMB');
    expect(error.message).toContain('xl/worksheets/sheet1.xml');
  }, 60_000);

  it('refuses a compression ratio above 100:1 for an entry over 1 MiB', async () => {
    const file = tmp.path('bomb-ratio.xlsx');
    await writeZip(file, minimalXlsxParts({ name: 'sheet', zeros: 20 * 1024 * 1024 }));
    const error = await rejection(openParsedFile(file));
    expect(error.details.reason).toBe('ZIP_BOMB');
    expect(error.message).toMatch(/compressed \d+:1/);
  });

  it('refuses an entry that inflates to more than it declares, without inflating it all', async () => {
    const file = tmp.path('bomb-lying.xlsx');
    await writeZip(file, minimalXlsxParts({ name: 'sheet', zeros: 50 * 1024 * 1024, declaredSize: 4096 }));
    const error = await rejection(openParsedFile(file));
    expect(error.details.reason).toBe('ZIP_BOMB');
    expect(error.message).toContain('inflates to more than');
  });

  it('honours configured limits', async () => {
    const file = tmp.path('limits.xlsx');
    await vendorWorkbook(file);
    const error = await rejection(openParsedFile(file, { zipLimits: { maxTotalBytes: 10_000 } }));
    expect(error.details.reason).toBe('ZIP_BOMB');
  });
});

describe('XLSX errors never escape as crashes', () => {
  it('surfaces errors as rejections, with no unhandled rejection or uncaught exception', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    try {
      // A damaged sheet XML inside an intact ZIP: exceljs fails while streaming.
      const broken = tmp.path('broken-xml.xlsx');
      await writeZip(broken, minimalXlsxParts({ name: 'sheet', data: '<?xml version="1.0"?>\nfoo<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row></sheetData></worksheet>' }));
      expect((await rejection(openParsedFile(broken).then(allRows))).details.reason).toBe('CORRUPT_XLSX');

      const truncated = tmp.path('truncated-2.xlsx');
      await vendorWorkbook(truncated);
      await truncate(truncated, 3000);
      expect((await rejection(openParsedFile(truncated).then(allRows))).details.reason).toBe('CORRUPT_XLSX');

      // Aborted in the middle of a sheet.
      const long = tmp.path('abort.xlsx');
      await streamedWorkbook(long, 5000);
      const controller = new AbortController();
      const parsed = await openParsedFile(long, { signal: controller.signal });
      let seen = 0;
      const run = async (): Promise<void> => {
        for await (const _row of parsed.rows) if (++seen === 100) controller.abort(new Error('user cancelled'));
      };
      await expect(run()).rejects.toThrow('user cancelled');
      expect(seen).toBe(100);

      // Give late events a chance to surface.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
