import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw, crc32 } from 'node:zlib';
import { ParseError } from './parser.types.js';
import { METHOD_DEFLATED, type ZipEntry } from './zip.directory.js';

/** Receives an entry's inflated bytes as they come, e.g. to scan a worksheet on the way. */
export type EntryObserver = (chunk: Buffer) => void;

class CountingSink extends Writable {
  bytes = 0;
  crc = 0;

  constructor(
    private readonly entry: ZipEntry,
    private readonly observer: EntryObserver | undefined,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.entry.uncompressedSize) {
      // Stops the inflater at once: a lying size is how a bomb slips past the directory check.
      callback(
        new ParseError(`"${this.entry.name}" inflates to more than the ${this.entry.uncompressedSize} bytes it declares`, {
          reason: 'ZIP_BOMB',
        }),
      );
      return;
    }
    this.crc = crc32(chunk, this.crc);
    try {
      this.observer?.(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

/**
 * Inflates one entry from disk without keeping it: counts the bytes against the declared size
 * (stopping as soon as it is exceeded) and checks the CRC, so that what the XLSX library later
 * inflates is known to be bounded and intact. Costs one extra inflate pass over the workbook.
 */
export async function verifyEntry(path: string, entry: ZipEntry, observer?: EntryObserver, signal?: AbortSignal): Promise<void> {
  const sink = new CountingSink(entry, observer);
  const options = signal ? { signal } : {};
  try {
    if (entry.compressedSize === 0) {
      await pipeline(async function* () {}, sink, options);
    } else {
      const source = createReadStream(path, { start: entry.dataOffset, end: entry.dataOffset + entry.compressedSize - 1 });
      if (entry.method === METHOD_DEFLATED) await pipeline(source, createInflateRaw(), sink, options);
      else await pipeline(source, sink, options);
    }
  } catch (error) {
    if (error instanceof ParseError || (signal?.aborted && error === signal.reason)) throw error;
    if (error instanceof Error && error.name === 'AbortError') throw error;
    throw new ParseError(`The workbook is damaged: "${entry.name}" cannot be inflated`, { reason: 'CORRUPT_XLSX' }, { cause: error });
  }
  if (sink.bytes !== entry.uncompressedSize || sink.crc !== entry.crc32) {
    throw new ParseError(`The workbook is damaged: "${entry.name}" fails its size or CRC check`, { reason: 'CORRUPT_XLSX' });
  }
}
