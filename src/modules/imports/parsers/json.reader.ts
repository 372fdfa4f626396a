import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { FileHead } from '../../../platform/text/text.file.js';
import { JsonRecordSplitter, nestsTooDeep, tooDeep } from './json.tokenizer.js';
import { DEFAULT_MAX_RECORD_BYTES, ParseError, type ParsedFile, type ParseOptions } from './parser.types.js';
import { openKeyedRecords, type KeyedRecord } from './record.columns.js';
import { decideFileEncoding, readDecodedText } from '../../../platform/text/text.file.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseRecord(text: string, rowNumber: number, what: string): Record<string, unknown> {
  // Checked first: JSON.parse of a deep enough text, and serialising its nested values into
  // cells, run out of stack.
  if (nestsTooDeep(text)) throw tooDeep(what, rowNumber);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? `: ${error.message}` : '';
    throw new ParseError(`${what} ${rowNumber} is not valid JSON${detail}`, { reason: 'INVALID_JSON', rowNumber }, { cause: error });
  }
  if (!isObject(value)) throw new ParseError(`${what} ${rowNumber} is not a JSON object`, { reason: 'INVALID_JSON', rowNumber });
  return value;
}

/**
 * A JSON array of objects, or an object whose first array-valued property holds them. Streams:
 * see JsonRecordSplitter. Row numbers are the records' 1-based indexes.
 */
export async function openJson(path: string, head: FileHead, options: ParseOptions = {}): Promise<ParsedFile> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const encoding = await decideFileEncoding(path, head, options.encoding, options.signal);
  const info: Record<string, string | number> = { format: 'json', encoding: encoding.encoding };
  const splitter = new JsonRecordSplitter(maxRecordBytes);

  async function* records(): AsyncGenerator<KeyedRecord, void, undefined> {
    for await (const chunk of readDecodedText(path, encoding, { signal: options.signal })) {
      const texts = splitter.write(chunk);
      if (splitter.recordsKey !== undefined) info.recordsKey = splitter.recordsKey;
      let rowNumber = splitter.count - texts.length;
      for (const text of texts) {
        rowNumber++;
        yield { rowNumber, fields: parseRecord(text, rowNumber, 'Record'), size: text.length };
      }
    }
    splitter.end();
  }

  return openKeyedRecords(records(), { format: 'json', info, signal: options.signal });
}

/** Ends the text with RECORD_TOO_LARGE once a line grows past the limit: readline would buffer it whole. */
async function* guardLineLength(text: AsyncIterable<string>, maxLineBytes: number): AsyncGenerator<string> {
  let line = 1;
  let current = 0;
  for await (const chunk of text) {
    let from = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', from)) {
      if (current + (nl - from) > maxLineBytes) break;
      line++;
      current = 0;
      from = nl + 1;
    }
    current += chunk.length - from;
    // Characters, not bytes: a line of multi-byte text may pass at up to 3x the limit, still bounded.
    if (current > maxLineBytes) {
      throw new ParseError(`Line ${line} is larger than ${maxLineBytes} bytes`, { reason: 'RECORD_TOO_LARGE', rowNumber: line });
    }
    yield chunk;
  }
}

/**
 * One JSON object per line. Lines come from node:readline behind a length guard; blank lines are
 * skipped. Row numbers are line numbers (the same as record indexes when there are no blank lines).
 */
export async function openNdjson(path: string, head: FileHead, options: ParseOptions = {}): Promise<ParsedFile> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const encoding = await decideFileEncoding(path, head, options.encoding, options.signal);
  const info: Record<string, string | number> = { format: 'ndjson', encoding: encoding.encoding };

  async function* records(): AsyncGenerator<KeyedRecord, void, undefined> {
    const input = Readable.from(guardLineLength(readDecodedText(path, encoding, { signal: options.signal }), maxRecordBytes));
    const lines = createInterface({ input, crlfDelay: Infinity });
    let rowNumber = 0;
    try {
      for await (const line of lines) {
        rowNumber++;
        if (line.trim() === '') continue;
        yield { rowNumber, fields: parseRecord(line, rowNumber, 'Line'), size: line.length };
      }
    } finally {
      lines.close();
      input.destroy();
    }
  }

  return openKeyedRecords(records(), { format: 'ndjson', info, signal: options.signal });
}
