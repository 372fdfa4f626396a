import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cellEncoder, startsFormula, yesNo, type CellFormat } from './export.values.js';
import { TextSink, type ExportTarget } from './file.sink.js';
import { rowOf, type ExportField, type RecordWriter, type RowBatch, type WrittenFile } from './writer.types.js';
import { EXPORT_DEFLATE_LEVEL, ZipStream } from './zip.stream.js';

/** Excel's hard limits: rows in a sheet (the header takes one) and characters in a cell. */
export const XLSX_MAX_DATA_ROWS = 1_048_575;
export const XLSX_MAX_CELL_CHARS = 32_767;

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/**
 * Cell styles (indexes into cellXfs of styles.xml): the bold header, then one per number format.
 * Formats are custom (164+) rather than built-in ids, so every reader shows the same pattern.
 */
const STYLE = { plain: 0, header: 1, money: 2, date: 3, integer: 4 } as const;
const STYLES_XML =
  `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}">` +
  '<numFmts count="3"><numFmt numFmtId="164" formatCode="#,##0.00"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/><numFmt numFmtId="166" formatCode="0"/></numFmts>' +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>';

/** Characters XML 1.0 cannot carry (dropped), and the ones escaped; see xml.writer.ts. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const XML_SPECIAL = /[&<>"'\r]/g;
// eslint-disable-next-line no-control-regex -- finding the control characters XML forbids is the point
const NEEDS_WORK = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

function xmlEscape(text: string): string {
  return NEEDS_WORK.test(text) ? text.replace(NOT_XML_CHAR, '').replace(XML_SPECIAL, (ch) => ENTITIES[ch] ?? ch) : text;
}

/**
 * A text cell's value: neutralised as in CSV (a user who saves the sheet as CSV gets the raw text
 * back, and then it would be live), cut at Excel's cell limit (Excel refuses the whole file
 * otherwise), XML-escaped. Written as `t="str"` with `<v>`, as exceljs writes strings, so files
 * read back the same as before this writer; never a `<f>` element, so nothing is a formula.
 */
function textValue(text: string): string {
  const safe = startsFormula(text) ? `'${text}` : text;
  return xmlEscape(safe.length > XLSX_MAX_CELL_CHARS ? safe.slice(0, XLSX_MAX_CELL_CHARS) : safe);
}

/** Excel's serial day of a YYYY-MM-DD date (1900 system, days since 1899-12-30). */
const EPOCH = Date.UTC(1899, 11, 30);
function dateSerial(text: string): string {
  return String((Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10))) - EPOCH) / 86_400_000);
}

function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function columnWidth(field: ExportField): number {
  const least = field.type === 'date' ? 12 : field.type === 'money' ? 14 : 10;
  return Math.min(50, Math.max(least, field.label.length + 2));
}

function numberStyle(field: ExportField): number {
  return field.type === 'money' ? STYLE.money : field.type === 'integer' ? STYLE.integer : STYLE.plain;
}

/** The manifest sheet's values: numbers stay numbers, anything else is text (JSON for objects). */
function manifestCell(ref: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? `<c r="${ref}"><v>${value}</v></c>` : '';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? '' : value.toISOString();
  else if (typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else text = JSON.stringify(value) ?? '';
  return text === '' ? '' : `<c r="${ref}" t="str"><v>${textValue(text)}</v></c>`;
}

function sheetStart(fields: readonly ExportField[] | null, widths: readonly number[]): string {
  const pane = fields ? '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>' : '';
  const cols = widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join('');
  return `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheetViews><sheetView workbookViewId="0">${pane}</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>${cols}</cols><sheetData>`;
}

const SHEET_END = '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>';

function packageParts(sheets: readonly string[], created: Date): Array<[string, string]> {
  const stamp = `${created.toISOString().slice(0, 19)}Z`;
  const sheetTypes = sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('');
  return [
    [
      '[Content_Types].xml',
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
        `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${sheetTypes}` +
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>',
    ],
    [
      '_rels/.rels',
      `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/>` +
        `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
        `<Relationship Id="rId3" Type="${REL_NS}/extended-properties" Target="docProps/app.xml"/></Relationships>`,
    ],
    [
      'docProps/core.xml',
      `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
        `<dc:creator>Trestle</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">${stamp}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${stamp}</dcterms:modified></cp:coreProperties>`,
    ],
    ['docProps/app.xml', `${XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Trestle</Application></Properties>`],
    [
      'xl/workbook.xml',
      `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><bookViews><workbookView/></bookViews><sheets>` +
        sheets.map((name, i) => `<sheet name="${xmlEscape(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
        '</sheets></workbook>',
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `${XML_HEAD}<Relationships xmlns="${PKG_REL_NS}">` +
        sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
        `<Relationship Id="rId${sheets.length + 1}" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`,
    ],
    ['xl/styles.xml', STYLES_XML],
  ];
}

/**
 * XLSX written directly: the package parts are fixed text, the "Data" sheet's XML is produced
 * cell by cell into a ZIP entry as rows come (memory does not grow with the row count), and the
 * package is hashed as it is written. exceljs's streaming writer built a row object, a cell
 * object per value and a style lookup per cell, and ran about four times slower (README,
 * Benchmarks). Sheet "Data": a bold, frozen header of labels, then typed cells: dates as dates
 * (yyyy-mm-dd), money as numbers shown with two decimals, integers without decimals, booleans
 * yes/no, text neutralised against formulas. The optional "Manifest" sheet (key, value) is
 * written at close.
 */
export async function createXlsxWriter(fields: readonly ExportField[], target: ExportTarget, manifestSheet: Record<string, unknown> | undefined): Promise<RecordWriter> {
  let file: WriteStream | undefined;
  if (typeof target === 'string') {
    // Fails here, not at the first write, when the file cannot be created.
    file = createWriteStream(target);
    await once(file, 'open');
  }
  const zip = ZipStream.over(file ?? (target as Exclude<ExportTarget, string>));
  for (const [name, content] of packageParts(manifestSheet ? ['Data', 'Manifest'] : ['Data'], new Date())) zip.addText(name, content);
  const sheet = await TextSink.open(zip.entry('xl/worksheets/sheet1.xml', EXPORT_DEFLATE_LEVEL), { hashed: false });

  const columns = fields.map((_, i) => columnName(i));
  // The row number of the row being written, as text: each cell's reference ends with it.
  let rowRef = '1';
  const encoders = fields.map((field, i) => {
    const col = columns[i]!;
    const numberCell = `" s="${numberStyle(field)}"><v>`;
    const format: CellFormat = {
      empty: '',
      text: (text) => (text === '' ? '' : `<c r="${col}${rowRef}" t="str"><v>${textValue(text)}</v></c>`),
      number: (text) => `<c r="${col}${rowRef}${numberCell}${text}</v></c>`,
      date: (text) => `<c r="${col}${rowRef}" s="${STYLE.date}"><v>${dateSerial(text)}</v></c>`,
      boolean: (value) => `<c r="${col}${rowRef}" t="str"><v>${yesNo(value)}</v></c>`,
    };
    return cellEncoder(field, format);
  });
  // Labels neutralised as in CSV: an error report's labels come from an uploaded file.
  const header = fields.map((f, i) => `<c r="${columns[i]}1" s="${STYLE.header}" t="str"><v>${textValue(f.label)}</v></c>`).join('');
  await sheet.write(`${sheetStart(fields, fields.map(columnWidth))}<row r="1">${header}</row>`);

  let rows = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';
  const writeRows = async (batch: RowBatch) => {
    if (state !== 'open') throw new Error('the XLSX writer is closed');
    if (rows + batch.length > XLSX_MAX_DATA_ROWS) throw new RangeError(`an XLSX sheet holds at most ${XLSX_MAX_DATA_ROWS} rows`);
    for (const values of batch) {
      rowRef = String(rows + 2);
      let xml = `<row r="${rowRef}">`;
      for (let i = 0; i < encoders.length; i++) xml += encoders[i]!(values[i]);
      rows++;
      if (sheet.append(`${xml}</row>`)) await sheet.flush();
    }
  };

  return {
    writeRows,
    write: (record) => writeRows([rowOf(fields, record)]),
    async close(): Promise<WrittenFile> {
      if (state !== 'open') throw new Error('the XLSX writer is closed');
      state = 'closed';
      await sheet.write(SHEET_END);
      await sheet.close();
      if (manifestSheet) {
        let xml = `${sheetStart(null, [24, 80])}<row r="1"><c r="A1" s="${STYLE.header}" t="str"><v>Key</v></c><c r="B1" s="${STYLE.header}" t="str"><v>Value</v></c></row>`;
        let n = 1;
        for (const [key, value] of Object.entries(manifestSheet)) {
          n++;
          xml += `<row r="${n}">${manifestCell(`A${n}`, key)}${manifestCell(`B${n}`, value)}</row>`;
        }
        zip.addText('xl/worksheets/sheet2.xml', `${xml}${SHEET_END}`);
      }
      const written = await zip.close();
      if (file && !file.closed) await once(file, 'close');
      return { rows, ...written };
    },
    async abort() {
      state = 'aborted';
      await sheet.abort().catch(() => undefined);
      await zip.abort();
      if (typeof target === 'string') await rm(target, { force: true });
    },
  };
}
