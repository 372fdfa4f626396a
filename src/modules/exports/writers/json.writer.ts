import { exportValue } from './export.values.js';
import { FileSink } from './file.sink.js';
import type { ExportField, RecordWriter, WrittenFile } from './writer.types.js';

/**
 * One record as a JSON object text with every field, in field order: null for a missing value,
 * numbers as their exact decimal text (12500.00 stays 12500.00), dates as "YYYY-MM-DD".
 * JSON is data for programs, not a spreadsheet: text is never neutralised here.
 */
export function jsonObject(fields: readonly ExportField[], keys: readonly string[], record: Record<string, unknown>): string {
  let out = '{';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = exportValue(field, record[field.key]);
    if (i > 0) out += ',';
    out += keys[i]!;
    out += ':';
    switch (value.kind) {
      case 'empty':
        out += 'null';
        break;
      case 'number':
        out += value.text;
        break;
      case 'boolean':
        out += value.value ? 'true' : 'false';
        break;
      case 'text':
      case 'date':
        out += JSON.stringify(value.text);
        break;
    }
  }
  return `${out}}`;
}

/**
 * `json`: one array, written element by element (never built in memory), one element a line.
 * `ndjson`: one object a line, LF-terminated, no enclosing array.
 */
export async function createJsonWriter(format: 'json' | 'ndjson', fields: readonly ExportField[], filePath: string): Promise<RecordWriter> {
  const sink = await FileSink.open(filePath);
  const keys = fields.map((f) => JSON.stringify(f.key));
  let rows = 0;
  if (format === 'json') await sink.write('[');
  return {
    async write(record) {
      const object = jsonObject(fields, keys, record);
      if (format === 'ndjson') await sink.write(`${object}\n`);
      else await sink.write(`${rows === 0 ? '\n' : ',\n'}${object}`);
      rows++;
    },
    async close(): Promise<WrittenFile> {
      if (format === 'json') await sink.write(rows === 0 ? ']\n' : '\n]\n');
      return { rows, ...(await sink.close()) };
    },
    abort: () => sink.abort(),
  };
}
