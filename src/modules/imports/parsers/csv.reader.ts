import Papa from 'papaparse';
import { detectDelimiter, NewlineNormalizer } from './csv.dialect.js';
import type { FileHead } from '../../../platform/text/text.file.js';
import { DEFAULT_MAX_RECORD_BYTES, ParseError, type CellValue, type ParsedFile, type ParsedRow, type ParseOptions } from './parser.types.js';
import { createChunkDecoder } from '../../../platform/text/text.encoding.js';
import { chooseHeader, HEADER_SCAN_ROWS } from './header.detect.js';
import { decideFileEncoding, readDecodedText } from '../../../platform/text/text.file.js';

/** What papaparse's low-level Parser returns from parse(); its typings say `any`. */
interface PapaChunkResult {
  data: string[][];
  errors: { code: string }[];
  meta: { cursor: number };
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/** UTF-8 bytes of a string, computed only when its length leaves the answer open. */
function exceeds(text: string | string[], maxBytes: number): boolean {
  const length = typeof text === 'string' ? text.length : text.reduce((n, f) => n + f.length + 1, 0);
  if (length > maxBytes) return true; // every UTF-16 unit is at least one UTF-8 byte
  if (length * 3 <= maxBytes) return false; // and at most three
  return Buffer.byteLength(typeof text === 'string' ? text : text.join(',')) > maxBytes;
}

function isBlankRecord(record: string[]): boolean {
  return record.every((field) => field.trim() === '');
}

/** A record as papaparse split it; once past the header it is the ParsedRow itself (no copy a row). */
interface CsvRecord {
  rowNumber: number;
  values: string[];
}

/**
 * Records of the file as string arrays, each with its 1-based record number (blank lines count,
 * as a spreadsheet shows them), in batches: the records completed by one decoded chunk. (One
 * await per batch rather than per record: at a million records, each async step per record
 * costs a promise and a turn of the microtask queue.) papaparse's Parser is fed one decoded chunk
 * at a time: it returns the complete records and where they end; the unfinished record is kept
 * and re-fed with the next chunk. That remainder is the only thing that can grow, so it is what
 * is bounded: a line (or an unterminated quoted field) longer than maxRecordBytes fails with
 * RECORD_TOO_LARGE instead of accumulating the rest of the file. The records before a failing
 * one are delivered first, then the error is thrown.
 */
async function* recordBatches(text: AsyncIterable<string>, delimiter: string, maxRecordBytes: number): AsyncGenerator<CsvRecord[]> {
  const parser = new Papa.Parser({ delimiter, newline: '\n', quoteChar: '"' });
  const newlines = new NewlineNormalizer();
  let partial = '';
  let rowNumber = 0;

  /** The batch of a parse result, and the error of its first oversized record, if any. */
  function batchOf(result: PapaChunkResult): { batch: CsvRecord[]; error?: ParseError } {
    const batch: CsvRecord[] = [];
    for (const fields of result.data) {
      rowNumber++;
      if (exceeds(fields, maxRecordBytes)) {
        return { batch, error: new ParseError(`Row ${rowNumber} is larger than ${maxRecordBytes} bytes`, { reason: 'RECORD_TOO_LARGE', rowNumber }) };
      }
      batch.push({ rowNumber, values: fields });
    }
    return { batch };
  }

  for await (const chunk of text) {
    const aggregate = partial + newlines.push(chunk);
    const result = parser.parse(aggregate, 0, true) as PapaChunkResult;
    partial = aggregate.slice(result.meta.cursor);
    const { batch, error } = batchOf(result);
    if (batch.length > 0) yield batch;
    if (error) throw error;
    if (exceeds(partial, maxRecordBytes)) {
      throw new ParseError(`Row ${rowNumber + 1} is larger than ${maxRecordBytes} bytes (a very long line, or a quote that is never closed)`, {
        reason: 'RECORD_TOO_LARGE',
        rowNumber: rowNumber + 1,
      });
    }
  }
  const last = partial + newlines.end();
  if (last === '') return;
  const result = parser.parse(last, 0, false) as PapaChunkResult;
  if (result.errors.some((e) => e.code === 'MissingQuotes')) {
    const at = rowNumber + result.data.length;
    throw new ParseError(`Row ${at} has a quoted field that is never closed`, { reason: 'UNTERMINATED_QUOTE', rowNumber: at });
  }
  const { batch, error } = batchOf(result);
  if (batch.length > 0) yield batch;
  if (error) throw error;
}

/**
 * Opens a CSV/TSV: the encoding is decided on the whole file (decideFileEncoding) and the
 * delimiter from the first 64 KiB (detectDelimiter), unless forced. The header is chosen among
 * the first records (chooseHeader: title lines above it are skipped), trimmed. Fully blank records are skipped. Fields are strings ('' for an empty field); a row
 * shorter than the header is padded with null, a longer one keeps its extra values.
 */
export async function openCsv(path: string, head: FileHead, options: ParseOptions & { preferTab?: boolean } = {}): Promise<ParsedFile> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const encoding = await decideFileEncoding(path, head, options.encoding, options.signal);
  const sample = new NewlineNormalizer().push(createChunkDecoder(encoding.encoding).write(head.bytes.subarray(encoding.bomLength)));
  const delimiter = options.delimiter ?? detectDelimiter(sample, head.bytes.length === head.size, options.preferTab ? '\t' : undefined);
  if (delimiter === '' || /["\r\n]/.test(delimiter)) {
    throw new ParseError(`"${delimiter}" cannot be a delimiter`, { reason: 'UNSUPPORTED_FORMAT' });
  }

  const info: Record<string, string | number> = {
    format: delimiter === '\t' ? 'tsv' : 'csv',
    encoding: encoding.encoding,
    encodingSource: encoding.source,
    delimiter,
    delimiterName: DELIMITER_NAMES[delimiter] ?? delimiter,
  };
  const text = readDecodedText(path, encoding, {
    signal: options.signal,
    onEnd: (fallbackBytes) => {
      if (fallbackBytes > 0) info.encodingFallbackBytes = fallbackBytes;
    },
  });
  const source = recordBatches(text, delimiter, maxRecordBytes);

  // The header is chosen among the first records (chooseHeader: a CSV may have title lines
  // too); the records after it wait in `pending`.
  let header: CsvRecord | undefined;
  let pending: CsvRecord[] = [];
  const buffered: CsvRecord[] = [];
  // A record that fails (too large, an open quote) among the first ones fails where the rows
  // reach it, after the rows before it, as it would further down.
  let deferred: Error | undefined;
  let exhausted = false;
  try {
    // next() by hand: leaving a for-await loop would close the generator the rows still need.
    while (!buffered.some((r) => r.rowNumber > HEADER_SCAN_ROWS * 2)) {
      let next: IteratorResult<CsvRecord[]>;
      try {
        next = await source.next();
      } catch (error) {
        deferred = error instanceof Error ? error : new Error(String(error));
        break;
      }
      if (next.done) {
        exhausted = true;
        break;
      }
      for (const record of next.value) buffered.push(record);
    }
    const candidates = buffered.filter((r) => !isBlankRecord(r.values));
    const choice = chooseHeader(candidates, [], { scorer: options.headerScore, headerRow: options.headerRow });
    // No row reads as a header (numbers only): the first one is taken, as a spreadsheet would.
    header = choice.index >= 0 ? candidates[choice.index] : candidates[0];
    if (header) {
      if (choice.rule !== 'text-row' || choice.index > 0) info.header = choice.rule;
      pending = buffered.slice(buffered.indexOf(header) + 1);
    }
  } catch (error) {
    await source.return(undefined);
    throw error;
  }
  if (!header) {
    await source.return(undefined);
    throw deferred ?? new ParseError('The file has no header row', { reason: 'EMPTY_FILE' });
  }
  const headers = header.values.map((h) => h.trim());

  /** The rows a decoded chunk completes, blank records left out, short ones padded with null. */
  async function* batches(): AsyncGenerator<ParsedRow[]> {
    const width = headers.length;
    try {
      for (let batch = pending; ; ) {
        options.signal?.throwIfAborted();
        const rows: ParsedRow[] = [];
        for (const record of batch) {
          if (isBlankRecord(record.values)) continue;
          const values: CellValue[] = record.values;
          while (values.length < width) values.push(null);
          rows.push(record);
        }
        if (rows.length > 0) yield rows;
        if (deferred !== undefined) throw deferred;
        if (exhausted && batch === pending) break;
        const next = await source.next();
        if (next.done) break;
        batch = next.value;
      }
    } finally {
      pending = [];
      await source.return(undefined);
    }
  }
  const batchIterator = batches();
  async function* rows(): AsyncGenerator<ParsedRow> {
    for await (const batch of batchIterator) yield* batch;
  }
  const iterator = rows();

  return {
    format: delimiter === '\t' ? 'tsv' : 'csv',
    headers,
    headerRowNumber: header.rowNumber,
    rows: iterator,
    batches: batchIterator,
    info,
    close: async () => {
      await iterator.return(undefined);
      await batchIterator.return(undefined);
      await source.return(undefined);
    },
  };
}
