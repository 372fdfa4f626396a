import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openParsedFile } from './index.js';
import { ParseError } from './parser.types.js';
import { allRows, allValues } from './parsers.test-support.js';
import { FIXTURES_DIR, realFilesPresent } from '../../../../test/support/real-files.js';

/*
 * Real-world files kept outside the repository (../shared/fixtures; SOURCES.tsv says where each
 * comes from). The suite skips, visibly, where that folder is absent.
 */
const FIXTURES = FIXTURES_DIR;
const present = realFilesPresent('the parsers\' fixture tier');

const fixture = (name: string): string => path.join(FIXTURES, name);

/** Rows as objects keyed by header, the shape of csv-spectrum's expected JSON. */
async function asObjects(name: string): Promise<Record<string, unknown>[]> {
  const file = await openParsedFile(fixture(name));
  return (await allValues(file)).map((values) => Object.fromEntries(file.headers.map((h, i) => [h, values[i]])));
}

describe.skipIf(!present)('fixture tier: CSV', () => {
  // Expected values: csv-spectrum's json/<name>.json.
  it('csv-spectrum comma_in_quotes', async () => {
    expect(await asObjects('csv/csv-spectrum-comma_in_quotes.csv')).toEqual([
      { first: 'John', last: 'Doe', address: '120 any st.', city: 'Anytown, WW', zip: '08123' },
    ]);
  });

  it('csv-spectrum escaped_quotes', async () => {
    expect(await asObjects('csv/csv-spectrum-escaped_quotes.csv')).toEqual([
      { a: '1', b: 'ha "ha" ha' },
      { a: '3', b: '4' },
    ]);
  });

  it('csv-spectrum quotes_and_newlines', async () => {
    const file = await openParsedFile(fixture('csv/csv-spectrum-quotes_and_newlines.csv'));
    const rows = await allRows(file);
    expect(rows).toEqual([
      { rowNumber: 2, values: ['1', 'ha \n"ha" \nha'] },
      { rowNumber: 3, values: ['3', '4'] },
    ]);
  });

  it('csvkit bad.csv: ragged rows keep their values', async () => {
    const file = await openParsedFile(fixture('csv/csvkit-bad.csv'));
    expect(file.headers).toEqual(['column_a', 'column_b', 'column_c']);
    expect(await allValues(file)).toEqual([
      ['1', '27', '', "I'm too long!"],
      ['', "I'm too short!", null],
      ['0', 'mixed types.... uh oh', '17'],
    ]);
  });

  it('csvkit test_latin1.csv: a Latin-1 byte decodes to its character', async () => {
    const file = await openParsedFile(fixture('csv/csvkit-test_latin1.csv'));
    expect(file.info.encoding).toBe('windows-1252');
    expect(await allValues(file)).toEqual([
      ['1', '2', '3'],
      ['4', '5', '©'],
    ]);
  });

  it('papaparse utf-8-bom-sample.csv: no BOM in the first header', async () => {
    const file = await openParsedFile(fixture('csv/papaparse-utf-8-bom-sample.csv'));
    expect(file.headers).toEqual(['A', 'B', 'C']);
    expect(file.info).toMatchObject({ encoding: 'utf-8', encodingSource: 'bom' });
    expect(await allValues(file)).toEqual([['X', 'Y', 'Z']]);
  });
});

describe.skipIf(!present)('fixture tier: XLSX', () => {
  it('exceljs 1904.xlsx: serial 0 of the 1904 system is 1904-01-01, every time', async () => {
    // Repeated: this file used to lose its styles (so the date came out as 0) in about half the
    // runs of exceljs's streaming reader, through unzipper's early 'end'.
    for (let run = 0; run < 8; run++) {
      const file = await openParsedFile(fixture('xlsx/exceljs-1904-date-system.xlsx'));
      expect(file.info).toMatchObject({ sheet: 'Sheet1', date1904: 1 });
      // One date cell and no text: no header row, every row is data.
      expect(file.headerRowNumber).toBe(0);
      expect(await allRows(file)).toEqual([{ rowNumber: 4, values: [null, new Date(Date.UTC(1904, 0, 1))] }]);
    }
  });

  it('exceljs shared_string_with_escape.xlsx: _x005F_x000D_ is the literal text _x000D_', async () => {
    const file = await openParsedFile(fixture('xlsx/exceljs-shared_string_with_escape.xlsx'));
    expect(await allValues(file)).toEqual([['_x000D_']]);
  });

  it('exceljs KRISHNAPATNAM line-up: header found below the title rows', async () => {
    const file = await openParsedFile(fixture('xlsx/exceljs-KRISHNAPATNAM_LINE_UP.xlsx'));
    expect(file.info).toMatchObject({ sheet: 'KRISHNAPATNAM', sheetCount: 2 });
    expect(file.headerRowNumber).toBe(5);
    expect(file.headers).toEqual(['', 'VESSELS NAME:', 'ARRVD', 'BRTHED', 'ETC/D', 'QTY(IMP)', 'QTY (EXP)', 'CARGO', 'REMARKS']);
    const rows = await allRows(file);
    expect(rows[0]).toEqual({ rowNumber: 6, values: ['AT BERTH', null, null, null, null, null, null, null, null] });
    expect(rows.find((r) => r.rowNumber === 10)?.values).toEqual([
      'B3',
      'MV. ORIENTE GLORIA',
      '01/11/2017',
      '01/11/2017',
      '05/11/2017',
      '59793 MT',
      null,
      'COAL ',
      'COAL',
    ]);
  });

  it('exceljs invalid-xml.xlsx: CORRUPT_XLSX, not a crash', async () => {
    const error = await openParsedFile(fixture('xlsx/exceljs-invalid-xml.xlsx')).then(allRows, (e: unknown) => e);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).details.reason).toBe('CORRUPT_XLSX');
  });
});

describe.skipIf(!present)('fixture tier: XML', () => {
  it('MSPDI project file: tasks by record path', async () => {
    const file = await openParsedFile(fixture('mspdi/mpxj-task-links-project2019-mspdi.xml'), { recordPath: 'Project/Tasks/Task' });
    expect(file.info.recordPath).toBe('Project/Tasks/Task');
    expect(file.headers).toEqual(expect.arrayContaining(['UID', 'ID', 'Name']));
    const rows = await allRows(file);
    expect(rows.length).toBeGreaterThan(1);
    const uid = file.headers.indexOf('UID');
    expect(rows.map((r) => r.values[uid])).toContain('1');
  });
});
