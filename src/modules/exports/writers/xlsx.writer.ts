import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { exportValue, neutraliseFormula, yesNo } from './export.values.js';
import type { ExportTarget } from './file.sink.js';
import { rowOf, type ExportField, type RecordWriter, type RowBatch, type WrittenFile } from './writer.types.js';

/** Excel's hard limits: rows in a sheet (the header takes one) and characters in a cell. */
export const XLSX_MAX_DATA_ROWS = 1_048_575;
export const XLSX_MAX_CELL_CHARS = 32_767;

const MONEY_FORMAT = '#,##0.00';
const DATE_FORMAT = 'yyyy-mm-dd';
const INTEGER_FORMAT = '0';

type XlsxCell = string | number | Date | null;

/**
 * A text cell: neutralised like CSV. exceljs writes strings as string cells, which Excel never
 * evaluates, but a user who saves the sheet as CSV gets the raw text back, and then it is live.
 * Cut at Excel's cell limit (Excel refuses the whole file otherwise).
 */
function textCell(text: string): string {
  const safe = neutraliseFormula(text);
  return safe.length > XLSX_MAX_CELL_CHARS ? safe.slice(0, XLSX_MAX_CELL_CHARS) : safe;
}

function xlsxCell(field: ExportField, raw: unknown): XlsxCell {
  const value = exportValue(field, raw);
  switch (value.kind) {
    case 'empty':
      return null;
    case 'text':
      return textCell(value.text);
    case 'number':
      return Number(value.text);
    case 'boolean':
      return yesNo(value.value);
    case 'date':
      // Excel dates have no zone; exceljs reads and writes them as UTC.
      return new Date(`${value.text}T00:00:00Z`);
  }
}

function columnFormat(field: ExportField): string | undefined {
  switch (field.type) {
    case 'money':
      return MONEY_FORMAT;
    case 'date':
      return DATE_FORMAT;
    case 'integer':
      return INTEGER_FORMAT;
    default:
      return undefined;
  }
}

/**
 * One style object per column, given to each of its cells: exceljs caches a style's id by object
 * identity, while the fresh object it makes per cell is serialised to XML and looked up, which
 * took most of the writing time (about 2.5 times slower, measured). Nothing mutates these
 * objects once set.
 */
function cellStyles(fields: readonly ExportField[]): Array<Partial<ExcelJS.Style>> {
  const plain: Partial<ExcelJS.Style> = {};
  const byFormat = new Map<string, Partial<ExcelJS.Style>>();
  return fields.map((f) => {
    const numFmt = columnFormat(f);
    if (numFmt === undefined) return plain;
    let style = byFormat.get(numFmt);
    if (!style) byFormat.set(numFmt, (style = { numFmt }));
    return style;
  });
}

function columnWidth(field: ExportField): number {
  const least = field.type === 'date' ? 12 : field.type === 'money' ? 14 : 10;
  return Math.min(50, Math.max(least, field.label.length + 2));
}

/**
 * The writable side of the stream that takes a sheet's XML out of exceljs (archiver's entry
 * stream). exceljs ignores its backpressure, so the writer watches it: without this, a fast
 * producer piles the whole sheet up in memory ahead of the compressor. Not part of exceljs's
 * API, hence found by shape; when not found the writer yields to the event loop instead.
 */
interface Throttle {
  _writableState?: { length: number; highWaterMark: number };
  once(event: 'drain' | 'error', listener: () => void): unknown;
}

function sheetSink(worksheet: ExcelJS.Worksheet): Throttle | undefined {
  const pipes = (worksheet as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes;
  const sink = pipes?.[0] as Throttle | undefined;
  return sink && typeof sink === 'object' && typeof sink._writableState?.length === 'number' ? sink : undefined;
}

/** The archiver (zip) exceljs writes through: not in its typings. */
interface Archive {
  on(event: 'error', listener: (error: Error) => void): unknown;
  unpipe(destination: NodeJS.WritableStream): unknown;
  abort(): unknown;
}

function manifestValue(value: unknown): XlsxCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return textCell(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : textCell(value.toISOString());
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return textCell(JSON.stringify(value) ?? '');
}

/**
 * XLSX through exceljs's streaming WorkbookWriter: rows are committed (serialised and handed to
 * the compressor) as they come, so memory does not grow with the row count. Inline strings, not
 * shared ones: a shared-string table is kept in memory until the end. Sheet "Data": a bold,
 * frozen header of labels, then typed cells (dates as dates, money as numbers shown with two
 * decimals, booleans yes/no). The optional "Manifest" sheet (key, value) is added at close.
 */
export async function createXlsxWriter(
  fields: readonly ExportField[],
  target: ExportTarget,
  manifestSheet: Record<string, unknown> | undefined,
): Promise<RecordWriter> {
  const filePath = typeof target === 'string' ? target : undefined;
  const file: Writable = filePath === undefined ? (target as Writable) : createWriteStream(filePath);
  let failure: Error | undefined;
  // Releases a write waiting for 'drain' when the file fails (nothing drains then) or on abort.
  const aborting = new AbortController();
  file.on('error', (error) => {
    failure ??= error;
    aborting.abort(error);
  });
  if (filePath !== undefined) await once(file, 'open');
  // The package is hashed and counted on its way out, never read back.
  const hash = createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  measure.pipe(file);

  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: measure, useSharedStrings: false, useStyles: true });
  workbook.creator = 'Trestle';
  workbook.created = new Date();
  const sheet = workbook.addWorksheet('Data', { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
  sheet.columns = fields.map((f) => ({ key: f.key, width: columnWidth(f) }));
  const styles = cellStyles(fields);
  // Labels neutralised as in CSV: an error report's labels come from an uploaded file.
  const header = sheet.addRow(fields.map((f) => textCell(f.label)));
  header.font = { bold: true };
  header.commit();

  let rows = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';

  const writeRows = async (batch: RowBatch) => {
    for (const values of batch) {
      if (state !== 'open') throw new Error('the XLSX writer is closed');
      if (failure) throw failure;
      if (rows >= XLSX_MAX_DATA_ROWS) throw new RangeError(`an XLSX sheet holds at most ${XLSX_MAX_DATA_ROWS} rows`);
      const cells = new Array<XlsxCell>(fields.length);
      for (let i = 0; i < fields.length; i++) cells[i] = xlsxCell(fields[i]!, values[i]);
      const row = sheet.addRow(cells);
      for (let i = 0; i < fields.length; i++) row.getCell(i + 1).style = styles[i]!;
      row.commit();
      rows++;
      const sink = sheetSink(sheet);
      if (sink) {
        const ws = sink._writableState!;
        if (ws.length >= ws.highWaterMark) await once(sink as unknown as NodeJS.EventEmitter, 'drain', { signal: aborting.signal });
      } else if (rows % 256 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };

  return {
    writeRows,
    write: (record) => writeRows([rowOf(fields, record)]),
    async close(): Promise<WrittenFile> {
      if (state !== 'open') throw new Error('the XLSX writer is closed');
      state = 'closed';
      sheet.commit();
      if (manifestSheet) {
        const manifest = workbook.addWorksheet('Manifest');
        manifest.columns = [{ width: 24 }, { width: 80 }];
        const head = manifest.addRow(['Key', 'Value']);
        head.font = { bold: true };
        head.commit();
        for (const [key, value] of Object.entries(manifestSheet)) manifest.addRow([textCell(key), manifestValue(value)]).commit();
        manifest.commit();
      }
      await workbook.commit();
      // A file: closed once its descriptor is; a stream handed in: finished once its reader has all.
      if (filePath !== undefined) {
        if (!file.closed) await once(file, 'close');
      } else if (!file.writableFinished) {
        await once(file, 'finish', { signal: aborting.signal });
      }
      if (failure) throw failure;
      return { rows, bytes, sha256: hash.digest('hex') };
    },
    async abort() {
      state = 'aborted';
      const reason = new Error(`export to ${filePath ?? 'the export stream'} was aborted`);
      aborting.abort(reason);
      // Stop the archiver first: once the file is gone it would fail writing, and its 'error'
      // would have no listener (exceljs adds one only in commit).
      const zip = (workbook as unknown as { zip?: Archive }).zip;
      if (zip) {
        zip.on('error', () => undefined);
        zip.unpipe(measure);
        zip.abort();
      }
      measure.unpipe(file);
      if (!file.closed) {
        // Not events.once: it would reject on the write errors that destroying may cause.
        const closed = new Promise<void>((resolve) => file.once('close', () => resolve()));
        file.destroy(filePath === undefined ? reason : undefined);
        await closed;
      }
      if (filePath !== undefined) await rm(filePath, { force: true });
    },
  };
}
