import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createChunkDecoder, detectEncoding, Utf8Tally, type DetectedEncoding } from './text.encoding.js';

export const HEAD_BYTES = 64 * 1024;
export const READ_CHUNK_BYTES = 64 * 1024;
/** The validating pass reads in larger pieces: it only looks at the bytes. */
const TALLY_CHUNK_BYTES = 1024 * 1024;

export interface FileHead {
  /** The first bytes of the file (at most the requested count). */
  bytes: Buffer;
  size: number;
}

/** The first `length` bytes and the size: everything sniffing needs, without reading the file. */
export async function readHead(path: string, length = HEAD_BYTES): Promise<FileHead> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.alloc(Math.min(length, size));
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { bytes: bytes.subarray(0, filled), size };
  } finally {
    await handle.close();
  }
}

/** Bytes [start, start + length) of a file, short only at its end. */
export async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(bytes, filled, length - filled, start + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * The encoding of a stored text file, decided on all of it: a forced encoding, a BOM or UTF-16
 * from the head; otherwise one validating pass over the whole file (Utf8Tally: ASCII and valid
 * UTF-8 are checked by Node's vectorised isAscii/isUtf8, about a gigabyte a second) tells UTF-8
 * from Windows-1252, wherever the first non-ASCII byte is.
 */
export async function decideFileEncoding(path: string, head: FileHead, forced?: string, signal?: AbortSignal): Promise<DetectedEncoding> {
  const fromHead = detectEncoding(head.bytes, forced);
  if (fromHead.source !== 'detected' || fromHead.encoding.startsWith('utf-16')) return fromHead;
  const tally = new Utf8Tally();
  if (head.bytes.length === head.size) {
    tally.write(head.bytes);
  } else {
    const stream = createReadStream(path, { highWaterMark: TALLY_CHUNK_BYTES, ...(signal ? { signal } : {}) });
    for await (const chunk of stream as AsyncIterable<Buffer>) tally.write(chunk);
  }
  tally.end();
  return { ...fromHead, encoding: tally.encoding };
}

/**
 * The file as decoded text, chunk by chunk (about 64 KiB each): pull-based, so a slow consumer
 * holds the file still. The BOM is skipped. `onEnd` learns how many bytes needed the fallback.
 */
export async function* readDecodedText(
  path: string,
  detected: DetectedEncoding,
  options: { signal?: AbortSignal | undefined; onEnd?: (fallbackBytes: number) => void } = {},
): AsyncGenerator<string, void, undefined> {
  const decoder = createChunkDecoder(detected.encoding);
  const stream = createReadStream(path, {
    start: detected.bomLength,
    highWaterMark: READ_CHUNK_BYTES,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = decoder.write(chunk);
      if (text.length > 0) yield text;
    }
    const tail = decoder.end();
    if (tail.length > 0) yield tail;
    options.onEnd?.(decoder.fallbackBytes);
  } finally {
    stream.destroy();
  }
}
