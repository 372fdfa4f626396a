import { cellEncoder, neutraliseFormula, startsFormula, yesNo, type CellFormat } from './export.values.js';
import { TextSink, type ExportTarget } from './file.sink.js';
import { rowOf, type ExportField, type RecordWriter, type RowBatch, type WrittenFile } from './writer.types.js';

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, quotes doubled. */
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const identity = (text: string) => text;

/** CSV cells: text neutralised against formula injection, then quoted when needed. */
const CSV_CELLS: CellFormat = {
  empty: '',
  text: (text) => csvField(startsFormula(text) ? `'${text}` : text),
  number: identity,
  date: identity,
  boolean: yesNo,
};

/**
 * CSV as Excel opens it without asking: UTF-8 with a byte-order mark (else Excel guesses the
 * ANSI code page and mangles accents), CRLF line ends, a header of the field labels. Labels are
 * neutralised too: error reports take them from the headers of an uploaded file. (No catalog
 * label starts with a formula character, so exports still re-import by label.)
 */
export async function createCsvWriter(fields: readonly ExportField[], target: ExportTarget): Promise<RecordWriter> {
  const sink = await TextSink.open(target);
  const encoders = fields.map((f) => cellEncoder(f, CSV_CELLS));
  const last = fields.length - 1;
  let rows = 0;
  await sink.write(`\uFEFF${fields.map((f) => csvField(neutraliseFormula(f.label))).join(',')}\r\n`);
  const writeRows = async (batch: RowBatch) => {
    for (const row of batch) {
      let line = '';
      for (let i = 0; i < last; i++) line += `${encoders[i]!(row[i])},`;
      rows++;
      if (sink.append(`${line}${encoders[last]!(row[last])}\r\n`)) await sink.flush();
    }
  };
  return {
    writeRows,
    write: (record) => writeRows([rowOf(fields, record)]),
    async close(): Promise<WrittenFile> {
      return { rows, ...(await sink.close()) };
    },
    abort: () => sink.abort(),
  };
}
