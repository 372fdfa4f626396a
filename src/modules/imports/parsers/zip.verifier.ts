import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import { ParseError } from './parser.types.js';
import { METHOD_DEFLATED, type ZipEntry } from './zip.directory.js';

/** Receives an entry's inflated bytes as they come, e.g. to scan a worksheet on the way. */
export type EntryObserver = (chunk: Buffer) => void;

/** Read and inflate in pieces this large: fewer, larger chunks cost less per byte downstream. */
const CHUNK_BYTES = 256 * 1024;

function damaged(entry: ZipEntry, what: string, cause?: unknown): ParseError {
  return new ParseError(`The workbook is damaged: "${entry.name}" ${what}`, { reason: 'CORRUPT_XLSX' }, cause === undefined ? {} : { cause });
}

/**
 * One entry's inflated bytes, streamed from disk (never the whole entry in memory). Counts the
 * bytes against the declared size, stopping as soon as it is exceeded (a lying size is how a
 * bomb slips past the directory check), and checks the size at the end, and the CRC unless
 * `checkCrc` is false (an entry read again after verifyEntry passed it). Breaking out of the loop
 * closes the file.
 */
export async function* inflateEntry(path: string, entry: ZipEntry, signal?: AbortSignal, checkCrc = true): AsyncGenerator<Buffer, void, undefined> {
  let bytes = 0;
  let crc = 0;
  if (entry.compressedSize > 0) {
    const source = createReadStream(path, { start: entry.dataOffset, end: entry.dataOffset + entry.compressedSize - 1, highWaterMark: CHUNK_BYTES });
    // pipeline() destroys both streams on an error in either, which ends the loop below with it.
    const stream = entry.method === METHOD_DEFLATED ? pipeline(source, createInflateRaw({ chunkSize: CHUNK_BYTES }), () => undefined) : source;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        signal?.throwIfAborted();
        bytes += chunk.length;
        if (bytes > entry.uncompressedSize) {
          throw new ParseError(`"${entry.name}" inflates to more than the ${entry.uncompressedSize} bytes it declares`, { reason: 'ZIP_BOMB' });
        }
        if (checkCrc) crc = crc32(chunk, crc);
        yield chunk;
      }
    } catch (error) {
      if (error instanceof ParseError || signal?.aborted) throw error;
      throw damaged(entry, 'cannot be inflated', error);
    } finally {
      source.destroy();
      stream.destroy();
    }
  }
  if (bytes !== entry.uncompressedSize || (checkCrc && crc >>> 0 !== entry.crc32 >>> 0)) throw damaged(entry, 'fails its size or CRC check');
}

/**
 * Inflates one entry from disk without keeping it (see inflateEntry), handing each chunk to
 * `observer`, so that what is read later is known to be bounded and intact.
 */
export async function verifyEntry(path: string, entry: ZipEntry, observer?: EntryObserver, signal?: AbortSignal): Promise<void> {
  for await (const chunk of inflateEntry(path, entry, signal)) observer?.(chunk);
}
