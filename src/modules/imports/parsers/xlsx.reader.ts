import {
  DEFAULT_MAX_RECORD_BYTES,
  DEFAULT_ZIP_LIMITS,
  ParseError,
  type CellValue,
  type ParsedFile,
  type ParsedRow,
  type ParseOptions,
} from './parser.types.js';
import { isBlank } from './xlsx.cells.js';
import { chooseHeader, HEADER_SCAN_ROWS, type SheetRow } from './header.detect.js';
import { inspectXlsx, type WorkbookSheet, type XlsxPackage } from './xlsx.package.js';
import type { SheetContext } from './xlsx.sheet-rows.js';
import { sheetRows } from './xlsx.stream.js';

/** Rows buffered to find the header: the scan window plus rows to see what follows it. */
const BUFFER_ROWS_UNTIL = HEADER_SCAN_ROWS * 2;

/**
 * The sheet to read: the one asked for (by name, any case, or 1-based position), else the first
 * visible sheet with data (values in two rows or more: a header and a row), then the first
 * hidden one with data (with a warning: hidden sheets hold lookup lists more often than the
 * data), then the first visible one with any value, then any. A visible sheet holding only a
 * title or a link is passed over for one with a table.
 */
function chooseSheet(pkg: XlsxPackage, wanted: string | number | undefined, warnings: string[]): WorkbookSheet {
  const names = pkg.sheets.map((s) => s.name).join(', ');
  if (wanted === undefined) {
    const visible = (s: WorkbookSheet) => s.state === 'visible';
    const table = (s: WorkbookSheet) => s.scan.valueRows >= 2;
    const sheet =
      pkg.sheets.find((s) => visible(s) && table(s)) ??
      pkg.sheets.find(table) ??
      pkg.sheets.find((s) => visible(s) && s.scan.hasValues) ??
      pkg.sheets.find((s) => s.scan.hasValues);
    if (!sheet) throw new ParseError('The workbook has no sheet with data', { reason: 'EMPTY_FILE' });
    if (!visible(sheet)) {
      warnings.push(`No visible sheet holds a table: the ${sheet.state === 'veryHidden' ? 'very hidden' : 'hidden'} sheet "${sheet.name}" was read; choose another sheet if that is wrong`);
    }
    return sheet;
  }
  const byPosition = (position: number): WorkbookSheet | undefined => pkg.sheets.find((s) => s.position === position);
  const sheet =
    typeof wanted === 'number'
      ? byPosition(wanted)
      : (pkg.sheets.find((s) => s.name === wanted) ??
        pkg.sheets.find((s) => s.name.trim().toLowerCase() === wanted.trim().toLowerCase()) ??
        // "2" from a form field: a position, when no sheet is named so.
        (/^\d+$/.test(wanted.trim()) ? byPosition(Number(wanted)) : undefined));
  if (!sheet) throw new ParseError(`No sheet ${typeof wanted === 'number' ? `number ${wanted}` : `"${wanted}"`}; the workbook has: ${names}`, { reason: 'SHEET_NOT_FOUND' });
  return sheet;
}

function rowTooLarge(values: CellValue[], maxRecordBytes: number): boolean {
  let size = 0;
  for (const v of values) size += typeof v === 'string' ? v.length : 8;
  return size > maxRecordBytes / 3 && Buffer.byteLength(values.map((v) => (typeof v === 'string' ? v : '12345678')).join('')) > maxRecordBytes;
}

/**
 * The rows of a sheet, one batch (the rows a chunk completed) at a time. A plain async
 * iterator rather than an async generator: a row handed out of a batch costs one settled promise
 * instead of a generator's round of them, which showed at 200,000 rows. Ends, fails or is
 * returned early by closing the source.
 */
class RowIterator implements AsyncIterableIterator<ParsedRow> {
  private index = 0;

  constructor(
    private batch: SheetRow[],
    private source: AsyncGenerator<SheetRow[], void, undefined> | undefined,
    private readonly toParsed: (row: SheetRow) => ParsedRow | undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ParsedRow, undefined>> {
    try {
      for (;;) {
        while (this.index < this.batch.length) {
          const parsed = this.toParsed(this.batch[this.index++]!);
          if (parsed) return { value: parsed, done: false };
        }
        const next = await this.source?.next();
        if (!next || next.done) return await this.return();
        this.batch = next.value;
        this.index = 0;
      }
    } catch (error) {
      await this.return();
      throw error;
    }
  }

  async return(): Promise<IteratorResult<ParsedRow, undefined>> {
    this.batch = [];
    const source = this.source;
    this.source = undefined;
    await source?.return(undefined);
    return { value: undefined, done: true };
  }
}

/**
 * Opens an XLSX: integrity and ZIP-bomb checks first (see inspectXlsx), then the sheet is
 * streamed through the project's own scanner (see SheetRowScanner). Values: dates (by number
 * format, 1900 or 1904 system) as Date at UTC midnight of the shown day, formulas as their cached
 * result (number, text, boolean or error), rich text as plain text, errors as their text
 * ("#DIV/0!"). Merged cells: a header merge is spread over its columns; in data only the
 * top-left cell holds the value, the others are null (as Excel stores them).
 */
export async function openXlsx(path: string, fileSize: number, options: ParseOptions = {}): Promise<ParsedFile> {
  const limits = { ...DEFAULT_ZIP_LIMITS, ...options.zipLimits };
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const pkg = await inspectXlsx(path, fileSize, limits, options.signal);
  const warnings: string[] = [];
  const sheet = chooseSheet(pkg, options.sheet, warnings);
  const context: SheetContext = { sharedStrings: pkg.sharedStrings, dateStyles: pkg.dateStyles, date1904: pkg.date1904 };
  const source = sheetRows(path, sheet.entry, context, maxRecordBytes, options.signal);

  // Rows up to the first one below the header window, to choose the header; whole batches are
  // read, so rows beyond it may wait here too.
  const buffered: SheetRow[] = [];
  let scanned = -1;
  let exhausted = false;
  try {
    while (scanned < 0) {
      const next = await source.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      for (const row of next.value) buffered.push(row);
      scanned = buffered.findIndex((row) => row.rowNumber > BUFFER_ROWS_UNTIL);
    }
  } catch (error) {
    await source.return(undefined);
    throw error;
  }
  let header: ReturnType<typeof chooseHeader>;
  try {
    header = chooseHeader(scanned < 0 ? buffered : buffered.slice(0, scanned + 1), sheet.scan.merges, { scorer: options.headerScore, headerRow: options.headerRow });
  } catch (error) {
    await source.return(undefined);
    throw error;
  }
  const headers = header.headers;
  const headerRowNumber = header.index >= 0 ? buffered[header.index]!.rowNumber : 0;

  const toParsed = (row: SheetRow): ParsedRow | undefined => {
    options.signal?.throwIfAborted();
    const values = row.values;
    if (values.every(isBlank)) return undefined;
    if (rowTooLarge(values, maxRecordBytes)) {
      throw new ParseError(`Row ${row.rowNumber} is larger than ${maxRecordBytes} bytes`, { reason: 'RECORD_TOO_LARGE', rowNumber: row.rowNumber });
    }
    while (values.length < headers.length) values.push(null);
    return row; // the same shape: handed on as it is
  };
  const iterator = new RowIterator(buffered.slice(header.index + 1), exhausted ? undefined : source, toParsed);
  buffered.length = 0;

  return {
    format: 'xlsx',
    headers,
    headerRowNumber,
    rows: iterator,
    info: {
      format: 'xlsx',
      sheet: sheet.name,
      sheetPosition: sheet.position,
      sheetCount: pkg.sheets.length,
      date1904: pkg.date1904 ? 1 : 0,
      header: header.rule,
    },
    close: async () => {
      await iterator.return();
      await source.return(undefined);
    },
    sheets: pkg.sheets.map((s) => ({ name: s.name, position: s.position, state: s.state, rowCount: s.scan.dimensionRows, hasData: s.scan.valueRows >= 2 })),
    warnings,
  };
}
