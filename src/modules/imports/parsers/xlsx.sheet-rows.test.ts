import { describe, expect, it } from 'vitest';
import { ParseError } from './parser.types.js';
import { isDateFormat } from './xlsx.cells.js';
import type { SheetRow } from './header.detect.js';
import { SharedStringsReader } from './xlsx.shared-strings.js';
import { SheetRowScanner, type SheetContext } from './xlsx.sheet-rows.js';
import { dateStylesOf } from './xlsx.styles.js';

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const context: SheetContext = { sharedStrings: ['Name', null, 'Acme & Co'], dateStyles: [false, true, false], date1904: false };

function worksheet(rows: string, p = ''): string {
  const ns = p ? `xmlns:${p.slice(0, -1)}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"` : NS;
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<${p}worksheet ${ns}><${p}dimension ref="A1:C3"/><${p}sheetData>${rows}</${p}sheetData><${p}mergeCells count="1"><${p}mergeCell ref="A1:B1"/></${p}mergeCells></${p}worksheet>`;
}

/** Scans `xml` cut into pieces of `size` bytes (or whole). */
function scan(xml: string | Buffer, size = Infinity, maxRowChars = 1024 * 1024, ctx = context): SheetRow[] {
  const bytes = Buffer.isBuffer(xml) ? xml : Buffer.from(xml);
  const scanner = new SheetRowScanner(ctx, 'xl/worksheets/sheet1.xml', maxRowChars);
  const out: SheetRow[] = [];
  for (let at = 0; at < bytes.length; at += size) scanner.write(bytes.subarray(at, Math.min(bytes.length, at + size)), out);
  scanner.end(out);
  return out;
}

function failure(run: () => unknown): ParseError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    return error as ParseError;
  }
  throw new Error('expected a ParseError');
}

const day = (y: number, m: number, d: number): Date => new Date(Date.UTC(y, m - 1, d));

// Every kind of cell, in one sheet: a shared string, text with entities and escapes, a date by
// its style, formulas with cached results of each type, inline rich text with a phonetic guide,
// ISO dates, a styled empty cell, gaps, and rows and cells without `r`.
const EVERYTHING = worksheet(
  '<row r="1" spans="1:6"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Caf&#233; &lt;&#x1F600;&gt; _x000D_</t></is></c>' +
    '<c r="D1" s="1"><v>45000</v></c><c r="E1" s="1"/><c r="F1"><v>-1.5e3</v></c></row>' +
    '<row r="3"><c r="A3" t="str"><f>A1&amp;"x"</f><v>Namex</v></c><c r="B3" t="b"><f>TRUE()</f><v>1</v></c>' +
    '<c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D3"><f>SUM(1,2)</f><v>3</v></c><c r="E3" t="str"><f>""</f><v></v></c></row>' +
    '<row><c t="inlineStr"><is><r><rPr><b/></rPr><t>Bo</t></r><r><t xml:space="preserve">ld </t></r><rPh sb="0" eb="1"><t>ボ</t></rPh></is></c>' +
    '<c t="s"><v>2</v></c><c r="E4" t="d"><v>2024-02-29</v></c><c t="d"><v>2024-02-29T10:30:00</v></c></row>' +
    '<row r="6" s="2" customFormat="1"/>' +
    '<!-- a comment between rows --><row r="7"><c r="B7" t="b"><v>0</v></c><c r="C7" t="s"><v>1</v></c><extLst><ext uri="x"><x/></ext></extLst></row>',
);

const EXPECTED: SheetRow[] = [
  { rowNumber: 1, values: ['Name', 'Café <😀> \r', null, day(2023, 3, 15), null, -1500] },
  { rowNumber: 3, values: ['Namex', true, '#DIV/0!', 3, ''] },
  { rowNumber: 4, values: ['Bold ', 'Acme & Co', null, null, day(2024, 2, 29), new Date(Date.UTC(2024, 1, 29, 10, 30))] },
  { rowNumber: 6, values: [] },
  { rowNumber: 7, values: [null, false] },
];

describe('SheetRowScanner', () => {
  it('reads every kind of cell', () => {
    expect(scan(EVERYTHING)).toEqual(EXPECTED);
  });

  it('gives the same rows however the bytes are cut (UTF-8 characters and tags split too)', () => {
    const bytes = Buffer.from(EVERYTHING);
    for (const size of [1, 2, 3, 5, 7, 64]) expect(scan(bytes, size)).toEqual(EXPECTED);
    for (let cut = 1; cut < bytes.length; cut++) {
      const scanner = new SheetRowScanner(context, 'sheet', 1024 * 1024);
      const out: SheetRow[] = [];
      scanner.write(bytes.subarray(0, cut), out);
      scanner.write(bytes.subarray(cut), out);
      scanner.end(out);
      expect(out).toEqual(EXPECTED);
    }
  });

  it('reads elements with a namespace prefix, a byte-order mark, and an empty sheet', () => {
    const prefixed = worksheet('<x:row r="2"><x:c r="B2" t="s"><x:v>0</x:v></x:c><x:c r="C2" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row>', 'x:');
    expect(scan(prefixed)).toEqual([{ rowNumber: 2, values: [null, 'Name', 'a'] }]);
    expect(scan(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(worksheet('<row r="1"><c r="A1"><v>1</v></c></row>'))]))).toEqual([
      { rowNumber: 1, values: [1] },
    ]);
    expect(scan(`<worksheet ${NS}><sheetData/></worksheet>`)).toEqual([]);
  });

  it('hands line ends over as an XML parser does, and reads a spaced shared-string index', () => {
    const rows = scan(worksheet('<row r="1"><c r="A1" t="str"><v>a\r\nb\rc&#13;</v></c><c r="B1" t="s"><v> 2 </v></c></row>'));
    expect(rows[0]!.values).toEqual(['a\nb\nc\r', 'Acme & Co']);
  });

  it('reads numbers in date formats as dates of the 1904 system when the workbook says so', () => {
    const rows = scan(worksheet('<row r="1"><c r="A1" s="1"><v>0</v></c><c r="B1" s="1"><v>0.5</v></c></row>'), Infinity, 1024 * 1024, {
      ...context,
      date1904: true,
    });
    expect(rows[0]!.values).toEqual([day(1904, 1, 1), new Date(Date.UTC(1904, 0, 1, 12))]);
  });

  it('refuses what is not a worksheet, or not XML', () => {
    const cases: [string, RegExp][] = [
      ['<?xml version="1.0"?>\nfoo<worksheet><sheetData/></worksheet>', /text before the root element/],
      ['<chartsheet><sheetPr/></chartsheet>', /not a worksheet/],
      [`<!DOCTYPE worksheet [<!ENTITY a "b">]><worksheet ${NS}><sheetData/></worksheet>`, /document type/],
      [worksheet('<row r="1"><c r="A1" t="str"><v>a & b</v></c></row>'), /bare "&"/],
      [worksheet('<row r="1"><c r="A1" t="str"><v>&nbsp;</v></c></row>'), /unknown reference/],
      [worksheet('<row r="1"><c r="XFE1"><v>1</v></c></row>'), /beyond column XFD/],
      [worksheet('<row r="1">text<c r="A1"><v>1</v></c></row>'), /not closed where expected/],
      [worksheet('<row r="1"><c r="A1"><v>1</v></row>'), /unclosed cell/],
      [worksheet('<cell/>'), /where a row was expected/],
      [EVERYTHING.slice(0, EVERYTHING.indexOf('<row r="6"')), /ends inside its sheet data/],
      [EVERYTHING.slice(0, EVERYTHING.indexOf('</worksheet>')), /ends before <\/worksheet>/],
      [`${EVERYTHING}<worksheet/>`, /content after the root element/],
    ];
    for (const [xml, message] of cases) {
      const error = failure(() => scan(xml));
      expect(error.reason).toBe('CORRUPT_XLSX');
      expect(error.message).toMatch(message);
      expect(error.message).toContain('xl/worksheets/sheet1.xml');
    }
  });

  // A row that arrives whole in one chunk is bounded by its values (see openXlsx); the XML bound
  // keeps an unfinished row from growing without end across chunks.
  it('refuses a row whose XML grows beyond the bound across chunks, with its row number', () => {
    const wide = Array.from({ length: 3000 }, (_, i) => `<c r="A${i}" t="str"><v>${'x'.repeat(30)}</v></c>`).join('');
    const xml = worksheet(`<row r="1"><c r="A1"><v>1</v></c></row><row r="2">${wide.replace(/r="A\d+"/g, '')}</row>`);
    for (const size of [4096, 30_000]) {
      const error = failure(() => scan(xml, size, 50_000));
      expect(error.details).toEqual({ reason: 'RECORD_TOO_LARGE', rowNumber: 2 });
    }
    expect(scan(xml, 4096, 1024 * 1024)[1]!.values).toHaveLength(3000);
  });
});

describe('SharedStringsReader', () => {
  const SST =
    `<?xml version="1.0"?><sst ${NS} count="6"><si><t>plain</t></si><si><t/></si><si/>` +
    '<si><r><t>Bold</t></r><r><rPr><i/></rPr><t xml:space="preserve"> &amp; Co</t></r></si>' +
    '<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si><si><t>_x005F_x000D_ &#169;</t></si></sst>';
  const EXPECTED_STRINGS = ['plain', null, null, 'Bold & Co', '東京', '_x000D_ ©'];

  it('reads items: plain, empty, rich text runs joined, phonetic guides left out, escapes decoded', () => {
    const bytes = Buffer.from(SST);
    for (const size of [bytes.length, 1, 3, 17]) {
      const reader = new SharedStringsReader('xl/sharedStrings.xml');
      for (let at = 0; at < bytes.length; at += size) reader.write(bytes.subarray(at, at + size));
      expect(reader.end()).toEqual(EXPECTED_STRINGS);
    }
  });

  it('refuses a part that ends inside an item', () => {
    const reader = new SharedStringsReader('xl/sharedStrings.xml');
    reader.write(Buffer.from(SST.slice(0, SST.indexOf('Bold'))));
    expect(failure(() => reader.end()).reason).toBe('CORRUPT_XLSX');
  });
});

describe('date formats', () => {
  it('tells dates from numbers by format code', () => {
    for (const format of ['yyyy-mm-dd', 'DD/MM/YYYY', 'd\\ mmmm\\ yyyy', '[$-409]h:mm AM/PM', '[h]:mm:ss', 'mm:ss.0', 'm/d/yy "h":mm']) {
      expect(isDateFormat(format), format).toBe(true);
    }
    for (const format of ['General', '0.00', '#,##0 "days"', '[Red]0.00', '0\\h', '_(* #,##0_);_(* (#,##0)', '0.00E+00', '@', undefined]) {
      expect(isDateFormat(format), String(format)).toBe(false);
    }
  });

  it('reads styles.xml: built-in date formats and custom ones, by cell format index', () => {
    const styles =
      `<styleSheet ${NS}><numFmts count="2"><numFmt numFmtId="164" formatCode="d\\ mmmm\\ yyyy"/>` +
      '<numFmt numFmtId="165" formatCode="0.00&quot;m&quot;"/></numFmts>' +
      '<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="4"/><xf numFmtId="47"/></cellXfs></styleSheet>';
    expect(dateStylesOf(styles, 'xl/styles.xml')).toEqual([false, true, true, false, false, true]);
    expect(dateStylesOf(`<styleSheet ${NS}/>`, 'xl/styles.xml')).toEqual([]);
  });
});
