import type { CellValue, FileFormat, ParsedFile, ParsedRow } from './parser.types.js';

/** A record of a keyed format (JSON, NDJSON, XML) before it is laid out in columns. */
export interface KeyedRecord {
  rowNumber: number;
  fields: Record<string, unknown>;
  /** Rough size in characters, for the sampling budget. */
  size: number;
}

/** Headers are the union of the keys of this many first records... */
export const HEADER_SAMPLE_RECORDS = 1000;
/** ...or of as many as fit in this many characters, whichever comes first. */
export const HEADER_SAMPLE_CHARS = 16 * 1024 * 1024;

/** JSON values as cells: objects and arrays become their JSON text. */
export function toCell(value: unknown): CellValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/**
 * The common part of the keyed readers: buffers the first records to learn the headers (keys in
 * order of first appearance), then lays every record out along them. A key first met after the
 * sample is appended to `headers` and its values land in the new column: nothing is dropped.
 */
export async function openKeyedRecords(
  source: AsyncGenerator<KeyedRecord, void, undefined>,
  file: { format: FileFormat; info: Record<string, string | number>; signal?: AbortSignal | undefined },
): Promise<ParsedFile> {
  const headers: string[] = [];
  const columns = new Map<string, number>();
  const learn = (fields: Record<string, unknown>): void => {
    for (const key of Object.keys(fields)) {
      if (!columns.has(key)) {
        columns.set(key, headers.length);
        headers.push(key);
      }
    }
  };

  const buffered: KeyedRecord[] = [];
  let sampled = 0;
  let exhausted = false;
  try {
    while (buffered.length < HEADER_SAMPLE_RECORDS && sampled < HEADER_SAMPLE_CHARS) {
      const next = await source.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      buffered.push(next.value);
      sampled += next.value.size;
      learn(next.value.fields);
    }
  } catch (error) {
    await source.return(undefined);
    throw error;
  }

  const layOut = (record: KeyedRecord): ParsedRow => {
    learn(record.fields);
    const values: CellValue[] = new Array<CellValue>(headers.length).fill(null);
    for (const [key, value] of Object.entries(record.fields)) values[columns.get(key)!] = toCell(value);
    return { rowNumber: record.rowNumber, values };
  };

  async function* rows(): AsyncGenerator<ParsedRow> {
    try {
      while (buffered.length > 0) {
        file.signal?.throwIfAborted();
        yield layOut(buffered.shift()!);
      }
      if (exhausted) return;
      for await (const record of source) {
        file.signal?.throwIfAborted();
        yield layOut(record);
      }
    } finally {
      await source.return(undefined);
    }
  }
  const iterator = rows();

  return {
    format: file.format,
    headers,
    headerRowNumber: 0,
    rows: iterator,
    info: file.info,
    close: async () => {
      await iterator.return(undefined);
      await source.return(undefined);
    },
  };
}
