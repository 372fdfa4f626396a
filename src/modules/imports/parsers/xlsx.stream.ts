import type { SheetRow } from './header.detect.js';
import { SheetRowScanner, type SheetContext } from './xlsx.sheet-rows.js';
import { inflateEntry } from './zip.verifier.js';
import type { ZipEntry } from './zip.directory.js';

/** The XML of one row may be this many times the record limit (tags and formulas around the values)… */
const ROW_XML_PER_RECORD_BYTE = 16;
/** …and at least this much, whatever the record limit. */
const MIN_ROW_XML_CHARS = 16 * 1024 * 1024;

/**
 * The rows of one worksheet entry, inflated from disk as they are read and scanned chunk by
 * chunk (see SheetRowScanner), in batches: the rows each chunk completes. Errors (damaged XML,
 * an entry that inflates to more than it declares, an abort) end the iteration as rejections;
 * breaking out of the loop closes the file.
 */
export async function* sheetRows(
  path: string,
  entry: ZipEntry,
  context: SheetContext,
  maxRecordBytes: number,
  signal?: AbortSignal,
): AsyncGenerator<SheetRow[], void, undefined> {
  const scanner = new SheetRowScanner(context, entry.name, Math.max(MIN_ROW_XML_CHARS, maxRecordBytes * ROW_XML_PER_RECORD_BYTE));
  // The integrity pass checked this entry's CRC already; the size is still counted.
  for await (const chunk of inflateEntry(path, entry, signal, false)) {
    const rows: SheetRow[] = [];
    scanner.write(chunk, rows);
    if (rows.length > 0) yield rows;
  }
  const rows: SheetRow[] = [];
  scanner.end(rows);
  if (rows.length > 0) yield rows;
}
