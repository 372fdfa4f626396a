import { createCsvWriter } from './csv.writer.js';
import { createJsonWriter } from './json.writer.js';
import type { ExportTarget } from './file.sink.js';
import type { ExportField, ExportFormat, RecordWriter, WriterOptions } from './writer.types.js';
import { createXlsxWriter } from './xlsx.writer.js';
import { createXmlWriter } from './xml.writer.js';

export { EXPORT_FORMATS, exportFieldsOf, type ExportField, type ExportFormat, type RecordWriter, type RowBatch, type WriterOptions, type WrittenFile } from './writer.types.js';
export type { ExportTarget } from './file.sink.js';

/** File extension and media type of each format, for file names and downloads. */
export const EXPORT_FILE_TYPES: Readonly<Record<ExportFormat, { extension: string; contentType: string }>> = {
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8' },
  xlsx: { extension: 'xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  json: { extension: 'json', contentType: 'application/json' },
  ndjson: { extension: 'ndjson', contentType: 'application/x-ndjson' },
  xml: { extension: 'xml', contentType: 'application/xml' },
};

/**
 * Opens `target` for a streaming export of records with these fields: a file path (created or
 * truncated), or a stream (a ZIP entry) that the writer ends on `close` and destroys on `abort`.
 * Await every `write` / `writeRows`: that is how the writer holds the producer to the disk's
 * pace. `close` returns the row count, byte count and SHA-256 of what was written; `abort`
 * deletes the file.
 */
export async function createWriter(format: ExportFormat, fields: readonly ExportField[], target: ExportTarget, options: WriterOptions = {}): Promise<RecordWriter> {
  if (fields.length === 0) throw new Error('an export needs at least one field');
  const keys = new Set<string>();
  for (const f of fields) {
    if (keys.has(f.key)) throw new Error(`field "${f.key}" is listed twice`);
    keys.add(f.key);
  }
  switch (format) {
    case 'csv':
      return createCsvWriter(fields, target);
    case 'json':
    case 'ndjson':
      return createJsonWriter(format, fields, target);
    case 'xml':
      return createXmlWriter(fields, target, options.entityLabel);
    case 'xlsx':
      return createXlsxWriter(fields, target, options.manifestSheet);
  }
}
