import type { EventEmitter } from 'node:events';
import { createReadStream, type ReadStream } from 'node:fs';
import { Duplex } from 'node:stream';
import ExcelJS from 'exceljs';
import { Tripwire } from './iteration.guard.js';
import { ParseError, type CellValue } from './parser.types.js';
import { cellValue, type CellContext, type StreamCell } from './xlsx.cells.js';
import type { SheetRow } from './xlsx.header.js';

/*
 * exceljs's typings describe its in-memory workbook; the streaming reader is an EventEmitter whose
 * parse() yields { eventType, value } and whose worksheets yield rows. These are the parts used.
 */
interface StreamRow {
  number: number;
  eachCell(options: { includeEmpty: boolean }, callback: (cell: StreamCell, column: number) => void): void;
}

interface StreamWorksheet {
  /** The sheet's XML source: an async generator, or a temp-file stream for a deferred sheet. */
  iterator: unknown;
  [Symbol.asyncIterator](): AsyncIterator<StreamRow>;
}

interface StreamWorkbookReader extends EventEmitter {
  parse(): AsyncGenerator<{ eventType: string; value: unknown }, void, undefined>;
}

const READER_OPTIONS = {
  sharedStrings: 'cache',
  hyperlinks: 'ignore',
  // Needed: a number is a date only by its cell's number format.
  styles: 'cache',
  worksheets: 'emit',
  // 'entry' events tell which archive path the next worksheet comes from.
  entries: 'emit',
} as const;

/** exceljs's streaming reader only recognises worksheets stored under this name. */
export const STREAMABLE_SHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;

export function corrupt(error: unknown): ParseError {
  const detail = error instanceof Error ? error.message : String(error);
  return new ParseError(`The workbook is damaged: ${detail}`, { reason: 'CORRUPT_XLSX' }, { cause: error });
}

/** A worksheet we skip: close its source so no file handle stays open. */
function release(sheet: StreamWorksheet): void {
  const source = sheet.iterator as { destroy?: () => void; return?: () => unknown } | null;
  if (typeof source?.destroy === 'function') source.destroy();
  else if (typeof source?.return === 'function') void Promise.resolve(source.return()).catch(() => undefined);
}

function toSheetRow(row: StreamRow, context: CellContext): SheetRow {
  const values: CellValue[] = [];
  row.eachCell({ includeEmpty: false }, (cell, column) => {
    values[column - 1] = cellValue(cell, context);
  });
  for (let i = 0; i < values.length; i++) values[i] ??= null;
  while (values.length > 0 && values[values.length - 1] === null) values.pop();
  return { rowNumber: row.number, values };
}

/**
 * exceljs pipes our file stream into unzipper's Parse stream and never exposes it; it is caught
 * here as it is piped, to work around two defects of that pair:
 * - Parse emits 'end' as soon as its input is used up, while entries may still wait in its
 *   readable buffer. exceljs's entry loop stops at that 'end' and silently drops them: the styles
 *   (dates then come out as numbers) or the shared strings. Seen in about half the runs of a small
 *   workbook on Node 24. That early 'end' is held back until the buffer is drained.
 * - Parse's 'error' (e.g. bad deflate data) goes unnoticed while exceljs reads a worksheet, which
 *   would then wait forever: it trips the wire instead.
 */
function watchUnzip(input: ReadStream, tripwire: Tripwire): void {
  const pipe = input.pipe.bind(input);
  input.pipe = <T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T => {
    if (destination instanceof Duplex) holdEarlyEnd(destination, tripwire);
    return pipe(destination, options);
  };
}

function holdEarlyEnd(zip: Duplex, tripwire: Tripwire): void {
  zip.on('error', (error) => tripwire.trip(corrupt(error)));
  const emit = zip.emit.bind(zip);
  zip.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'end' && !zip.readableEnded && zip.readableLength > 0) {
      const retry = (): void => {
        if (zip.readableLength > 0) return;
        zip.off('data', later);
        emit('end');
      };
      const later = (): void => process.nextTick(retry);
      zip.on('data', later);
      return false;
    }
    return emit(event, ...args);
  }) as Duplex['emit'];
}

/**
 * The chosen sheet's rows through exceljs's streaming reader. Every error — thrown by exceljs, or
 * emitted by the file stream it does not watch — ends the iteration as a rejection, never as an
 * uncaught exception. After the sheet, the rest of the archive is still run through so that
 * exceljs deletes the temp files it wrote for sheets stored before the shared strings.
 */
export async function* sheetRows(path: string, sheetPath: string, context: CellContext, signal?: AbortSignal): AsyncGenerator<SheetRow> {
  const tripwire = new Tripwire(signal);
  const input = createReadStream(path);
  input.on('error', (error) => tripwire.trip(corrupt(error)));
  watchUnzip(input, tripwire);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, READER_OPTIONS) as unknown as StreamWorkbookReader;
  let entryId: string | undefined;
  reader.on('entry', (entry: { type?: string; id?: string }) => {
    if (entry.type === 'worksheet') entryId = entry.id;
  });
  const events = reader.parse();
  let seen = false;
  try {
    for (;;) {
      const event = await tripwire.race(events.next());
      if (event.done) break;
      if (event.value.eventType !== 'worksheet') continue;
      const sheet = event.value.value as StreamWorksheet;
      if (seen || `xl/worksheets/sheet${entryId}.xml` !== sheetPath) {
        release(sheet);
        continue;
      }
      seen = true;
      const rows = sheet[Symbol.asyncIterator]();
      for (;;) {
        const row = await tripwire.race(rows.next());
        if (row.done) break;
        yield toSheetRow(row.value, context);
      }
    }
    if (!seen) throw corrupt(new Error(`sheet "${sheetPath}" was not found while reading`));
  } catch (error) {
    if (error instanceof ParseError || signal?.aborted) throw error;
    throw corrupt(error);
  } finally {
    tripwire.dispose();
    input.destroy();
  }
}
