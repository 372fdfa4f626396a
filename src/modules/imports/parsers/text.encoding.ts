import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import { ParseError } from './parser.types.js';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'latin1';

export interface DetectedEncoding {
  encoding: TextEncoding;
  /** Bytes of byte-order mark at the start of the file, skipped when decoding. */
  bomLength: number;
  source: 'bom' | 'detected' | 'forced';
}

const ALIASES: Record<string, TextEncoding> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'utf-16le': 'utf-16le',
  utf16le: 'utf-16le',
  'utf-16be': 'utf-16be',
  utf16be: 'utf-16be',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  latin1: 'latin1',
  'iso-8859-1': 'latin1',
};

/** Maps a caller's or a document's encoding label to one we decode; undefined when unknown. */
export function normalizeEncoding(label: string): TextEncoding | undefined {
  return ALIASES[label.trim().toLowerCase()];
}

function bomOf(head: Buffer): DetectedEncoding | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3, source: 'bom' };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2, source: 'bom' };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2, source: 'bom' };
  return undefined;
}

/**
 * Length of a valid but incomplete UTF-8 sequence at the end of `bytes` (0 when none): the head
 * we sniff, and each chunk we decode, may end in the middle of a character.
 */
export function incompleteUtf8Tail(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let back = 1; back <= Math.min(3, end); back++) {
    const b = bytes[end - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/**
 * UTF-16 without a BOM shows as a NUL in every other byte for Latin text; checked so such a file
 * is not taken for windows-1252 garbage.
 */
function utf16WithoutBom(head: Buffer): TextEncoding | undefined {
  const n = Math.min(head.length, 4096) & ~1;
  if (n < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenZeros++;
    if (head[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/**
 * BOM first; then UTF-16 by its NUL pattern; then UTF-8 if the sniffed head is valid UTF-8, else
 * windows-1252 for the whole file. Only the head is inspected (the caller decides how much): a
 * file that turns non-UTF-8 after the head is decoded as UTF-8 with a per-byte windows-1252
 * fallback (see Utf8Decoder).
 */
export function detectEncoding(head: Buffer, forced?: string): DetectedEncoding {
  const bom = bomOf(head);
  if (forced !== undefined) {
    const encoding = normalizeEncoding(forced);
    if (!encoding) throw new ParseError(`Unsupported encoding "${forced}"`, { reason: 'UNSUPPORTED_ENCODING' });
    // A BOM of the forced encoding is still not content.
    const bomLength = bom && bom.encoding === encoding ? bom.bomLength : 0;
    return { encoding, bomLength, source: 'forced' };
  }
  if (bom) return bom;
  const utf16 = utf16WithoutBom(head);
  if (utf16) return { encoding: utf16, bomLength: 0, source: 'detected' };
  const complete = head.subarray(0, head.length - incompleteUtf8Tail(head));
  return { encoding: isUtf8(complete) ? 'utf-8' : 'windows-1252', bomLength: 0, source: 'detected' };
}

/** An incremental decoder: feed chunks, then call end(). */
export interface ChunkDecoder {
  write(chunk: Buffer): string;
  end(): string;
  /** Bytes that were not valid UTF-8 and were decoded as windows-1252 instead. */
  readonly fallbackBytes: number;
}

// windows-1252 for 0x80..0xFF, from iconv-lite: Node's TextDecoder maps 0x80-0x9F to C1 controls.
const CP1252_HIGH: string[] = Array.from(iconv.decode(Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i)), 'windows-1252'));

/** Byte length of the valid UTF-8 sequence starting at i, or 0 when the byte there starts none. */
function validSequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/**
 * UTF-8 that does not give up on a stray windows-1252 byte: files assembled from several exports
 * often are UTF-8 with a few such bytes far into the file, past the head we sniffed. Each invalid
 * byte becomes its windows-1252 character (counted) rather than U+FFFD, which is what the writer
 * most likely meant.
 */
class Utf8Decoder implements ChunkDecoder {
  private pending: Buffer = Buffer.alloc(0);
  fallbackBytes = 0;

  write(chunk: Buffer): string {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const cut = data.length - incompleteUtf8Tail(data);
    this.pending = Buffer.from(data.subarray(cut));
    return this.decode(data.subarray(0, cut));
  }

  end(): string {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return this.decode(rest);
  }

  private decode(bytes: Buffer): string {
    if (isUtf8(bytes)) return bytes.toString('utf8');
    let out = '';
    let runStart = 0;
    let i = 0;
    while (i < bytes.length) {
      const len = validSequenceLength(bytes, i);
      if (len > 0) {
        i += len;
        continue;
      }
      out += bytes.toString('utf8', runStart, i) + CP1252_HIGH[bytes[i]! - 0x80]!;
      this.fallbackBytes++;
      i++;
      runStart = i;
    }
    return out + bytes.toString('utf8', runStart, i);
  }
}

class IconvChunkDecoder implements ChunkDecoder {
  private readonly decoder: iconv.DecoderStream;
  readonly fallbackBytes = 0;

  constructor(encoding: TextEncoding) {
    // stripBOM off: the BOM is skipped by byte offset, a U+FEFF further on is content.
    this.decoder = iconv.getDecoder(encoding, { stripBOM: false });
  }

  write(chunk: Buffer): string {
    return this.decoder.write(chunk);
  }

  end(): string {
    return this.decoder.end() ?? '';
  }
}

export function createChunkDecoder(encoding: TextEncoding): ChunkDecoder {
  return encoding === 'utf-8' ? new Utf8Decoder() : new IconvChunkDecoder(encoding);
}

export const READ_CHUNK_BYTES = 64 * 1024;

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
