import { stat } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RECORD_BYTES, DEFAULT_ZIP_LIMITS, ParseError, type CellValue } from './parser.types.js';
import { minimalXlsxParts, sheetXml, useTempDir, writeZip } from './parsers.test-support.js';
import { inspectXlsx } from './xlsx.package.js';
import { sheetRows } from './xlsx.stream.js';
import { hiddenSheetWorkbook, streamedWorkbook, vendorWorkbook, writeSheetFirst } from './xlsx.test-support.js';
import { FIXTURES_DIR, realFilesPresent } from '../../../../test/support/real-files.js';

/*
 * The sheet scanner against exceljs's own (in-memory) reader, sheet by sheet and cell by cell,
 * on every workbook the XLSX suites and the fixture tier use. exceljs's values are mapped the
 * way the import promises them: formulas as their cached result, rich text and hyperlinks as
 * their text, errors as their text, and a merged cell's value in its top-left cell only.
 */

type Sheets = Record<string, Record<number, CellValue[]>>;

const tmp = useTempDir();
const FIXTURES = path.join(FIXTURES_DIR, 'xlsx');
const fixturesPresent = realFilesPresent('the comparison with exceljs over the real workbooks');

function trimmed(values: CellValue[]): CellValue[] | undefined {
  for (let i = 0; i < values.length; i++) values[i] ??= null;
  while (values.length > 0 && values[values.length - 1] === null) values.pop();
  return values.length > 0 ? values : undefined;
}

function referenceValue(value: ExcelJS.CellValue): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date) return value;
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: ExcelJS.CellValue }).result;
    return result === undefined ? null : referenceValue(result);
  }
  if ('error' in value) return value.error;
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('text' in value) return referenceValue(value.text);
  throw new Error(`unexpected exceljs value ${JSON.stringify(value)}`);
}

async function exceljsSheets(file: string): Promise<Sheets> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  const sheets: Sheets = {};
  for (const worksheet of workbook.worksheets) {
    const rows: Record<number, CellValue[]> = {};
    worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const values: CellValue[] = [];
      row.eachCell({ includeEmpty: false }, (cell, column) => {
        values[column - 1] = cell.type === ExcelJS.ValueType.Merge ? null : referenceValue(cell.value);
      });
      const kept = trimmed(values);
      if (kept) rows[rowNumber] = kept;
    });
    sheets[worksheet.name] = rows;
  }
  return sheets;
}

async function scannedSheets(file: string): Promise<Sheets> {
  const pkg = await inspectXlsx(file, (await stat(file)).size, DEFAULT_ZIP_LIMITS);
  const context = { sharedStrings: pkg.sharedStrings, dateStyles: pkg.dateStyles, date1904: pkg.date1904 };
  const sheets: Sheets = {};
  for (const sheet of pkg.sheets) {
    const rows: Record<number, CellValue[]> = {};
    for await (const batch of sheetRows(file, sheet.entry, context, DEFAULT_MAX_RECORD_BYTES)) {
      for (const row of batch) {
        const kept = trimmed(row.values.slice());
        if (kept) rows[row.rowNumber] = kept;
      }
    }
    sheets[sheet.name] = rows;
  }
  return sheets;
}

async function expectSameAsExceljs(file: string): Promise<void> {
  const expected = await exceljsSheets(file);
  const actual = await scannedSheets(file);
  expect(actual).toEqual(expected);
  // Not a comparison of two empty results.
  expect(Object.values(actual).some((rows) => Object.keys(rows).length > 0)).toBe(true);
}

describe('XLSX scanner against exceljs', () => {
  const made: [string, (file: string) => Promise<void>][] = [
    ['typed cells, merges, formulas, rich text (1900 dates)', (f) => vendorWorkbook(f)],
    ['the same in the 1904 date system', (f) => vendorWorkbook(f, true)],
    ['a hidden sheet with data', hiddenSheetWorkbook],
    ['streaming writer, shared strings', (f) => streamedWorkbook(f, 300)],
    ['streaming writer, text in the cells (as bench:import writes)', (f) => streamedWorkbook(f, 300, false)],
    ['sheet stored before its styles and shared strings', (f) => writeSheetFirst(f, 50)],
    ['hand-made, inline strings', (f) => writeZip(f, minimalXlsxParts({ name: 'sheet', data: sheetXml([['code', 'label'], ['A1', 'Alpha &amp; Co']]) }))],
  ];
  for (const [name, make] of made) {
    it(name, async () => {
      const file = tmp.path(`${name.replace(/\W+/g, '-')}.xlsx`);
      await make(file);
      await expectSameAsExceljs(file);
    });
  }

  describe.skipIf(!fixturesPresent)('fixtures', () => {
    for (const name of ['exceljs-1904-date-system.xlsx', 'exceljs-shared_string_with_escape.xlsx', 'exceljs-KRISHNAPATNAM_LINE_UP.xlsx']) {
      it(name, async () => {
        await expectSameAsExceljs(path.join(FIXTURES, name));
      });
    }

    it('exceljs-invalid-xml.xlsx: both refuse it', async () => {
      const file = path.join(FIXTURES, 'exceljs-invalid-xml.xlsx');
      await expect(exceljsSheets(file)).rejects.toThrow();
      const error = await scannedSheets(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ParseError);
      expect((error as ParseError).reason).toBe('CORRUPT_XLSX');
    });
  });
});
