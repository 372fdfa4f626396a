import { exportValue, neutraliseFormula, yesNo } from './export.values.js';
import { FileSink } from './file.sink.js';
import type { ExportField, RecordWriter, WrittenFile } from './writer.types.js';

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, quotes doubled. */
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record as a CSV line (with its CRLF): text neutralised against formula injection. */
export function csvLine(fields: readonly ExportField[], record: Record<string, unknown>): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = exportValue(field, record[field.key]);
    if (i > 0) line += ',';
    switch (value.kind) {
      case 'empty':
        break;
      case 'text':
        line += csvField(neutraliseFormula(value.text));
        break;
      case 'number':
      case 'date':
        line += value.text;
        break;
      case 'boolean':
        line += yesNo(value.value);
        break;
    }
  }
  return `${line}\r\n`;
}

/**
 * CSV as Excel opens it without asking: UTF-8 with a byte-order mark (else Excel guesses the
 * ANSI code page and mangles accents), CRLF line ends, a header of the field labels. Labels are
 * neutralised too: error reports take them from the headers of an uploaded file. (No catalog
 * label starts with a formula character, so exports still re-import by label.)
 */
export async function createCsvWriter(fields: readonly ExportField[], filePath: string): Promise<RecordWriter> {
  const sink = await FileSink.open(filePath);
  let rows = 0;
  await sink.write(`\uFEFF${fields.map((f) => csvField(neutraliseFormula(f.label))).join(',')}\r\n`);
  return {
    async write(record) {
      rows++;
      await sink.write(csvLine(fields, record));
    },
    async close(): Promise<WrittenFile> {
      return { rows, ...(await sink.close()) };
    },
    abort: () => sink.abort(),
  };
}
