import { isAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { BadInputError } from '../errors/app-error.js';

/*
 * Text encodings of uploaded files, one place for every reader (imports' CSV, JSON, NDJSON and
 * XML; schedules' XER, MSPDI and P6 XML). A BOM decides; then UTF-16 by its NUL pattern; then
 * UTF-8 or Windows-1252, decided on the whole input, never on its first bytes only: a file whose
 * first non-ASCII byte comes late (a P6 export whose first accented task name is past the first
 * megabyte) is as Windows-1252 as one that starts with it. For a stored file that is one cheap
 * validating pass (text.file.ts); for a stream, the decision waits for the first non-ASCII
 * character (TextStreamDecoder), since ASCII decodes alike in both.
 *
 * iconv-lite, not TextDecoder, for Windows-1252: Node's decoder maps 0x80-0x9F to C1 controls
 * instead of € and friends.
 */

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'latin1';

export interface DetectedEncoding {
  encoding: TextEncoding;
  /** Bytes of byte-order mark at the start of the file, skipped when decoding. */
  bomLength: number;
  source: 'bom' | 'detected' | 'forced';
}

/** A caller named an encoding we do not decode. */
export class UnsupportedEncodingError extends BadInputError {
  constructor(label: string) {
    super(`Unsupported encoding "${label}"`, { reason: 'UNSUPPORTED_ENCODING' });
  }
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

function bomOf(head: Uint8Array): DetectedEncoding | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3, source: 'bom' };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2, source: 'bom' };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2, source: 'bom' };
  return undefined;
}

/**
 * Length of a valid but incomplete UTF-8 sequence at the end of `bytes` (0 when none): a head
 * and each chunk we decode may end in the middle of a character.
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
function utf16WithoutBom(head: Uint8Array): TextEncoding | undefined {
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
 * What the first bytes alone say: a forced encoding, a BOM, UTF-16 by its NUL pattern, else
 * UTF-8 when they are valid UTF-8 and Windows-1252 when not. For UTF-8 this is provisional: the
 * rest of the input may still hold Windows-1252 (see decideFileEncoding, TextStreamDecoder).
 */
export function detectEncoding(head: Uint8Array, forced?: string): DetectedEncoding {
  const bom = bomOf(head);
  if (forced !== undefined) {
    const encoding = normalizeEncoding(forced);
    if (!encoding) throw new UnsupportedEncodingError(forced);
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
 * Tallies, over a whole input fed in chunks, its valid multi-byte UTF-8 characters and its bytes
 * that are not UTF-8, and tells the encoding: UTF-8 when every byte is; Windows-1252 when the
 * invalid bytes are at least as many as the valid multi-byte characters (a Windows-1252 file's
 * accented letters rarely form valid UTF-8 by chance); otherwise UTF-8 with its few stray bytes
 * read as Windows-1252 (files pasted together from several exports). ASCII chunks, the common
 * case, cost one vectorised check each.
 */
export class Utf8Tally {
  /** Valid characters of two to four bytes. */
  multiByte = 0;
  /** Bytes that start no valid UTF-8 sequence. */
  invalid = 0;
  /** Offset of the first invalid byte (from the first byte fed), or -1. */
  firstInvalidAt = -1;
  private fed = 0;
  private carry: Buffer = Buffer.alloc(0);

  write(chunk: Uint8Array): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const cut = data.length - incompleteUtf8Tail(data);
    this.tally(data.subarray(0, cut));
    this.carry = Buffer.from(data.subarray(cut));
  }

  end(): void {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    this.tally(rest);
  }

  /** UTF-8 (possibly with stray Windows-1252 bytes, decoded as such) or Windows-1252. */
  get encoding(): 'utf-8' | 'windows-1252' {
    return this.invalid > 0 && this.invalid >= this.multiByte ? 'windows-1252' : 'utf-8';
  }

  private tally(bytes: Buffer): void {
    const start = this.fed;
    this.fed += bytes.length;
    if (bytes.length === 0 || isAscii(bytes)) return;
    if (isUtf8(bytes)) {
      for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0xc0) this.multiByte++;
      return;
    }
    for (let i = 0; i < bytes.length; ) {
      if (bytes[i]! < 0x80) {
        i++;
        continue;
      }
      const len = validSequenceLength(bytes, i);
      if (len > 0) {
        this.multiByte++;
        i += len;
      } else {
        if (this.firstInvalidAt < 0) this.firstInvalidAt = start + i;
        this.invalid++;
        i++;
      }
    }
  }
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

/**
 * UTF-8 that does not give up on a stray windows-1252 byte: a UTF-8 file pasted together from
 * several exports may hold a few. Each invalid byte becomes its windows-1252 character (counted)
 * rather than U+FFFD, which is what the writer most likely meant.
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

/** A whole input held in memory, decoded by the same rules (BOM skipped; UTF-8 or Windows-1252 decided on all of it). */
export function decodeText(bytes: Buffer, forced?: string): { text: string; encoding: DetectedEncoding } {
  let encoding = detectEncoding(bytes, forced);
  if (encoding.source === 'detected' && (encoding.encoding === 'utf-8' || encoding.encoding === 'windows-1252')) {
    const tally = new Utf8Tally();
    tally.write(bytes);
    tally.end();
    encoding = { ...encoding, encoding: tally.encoding };
  }
  const decoder = createChunkDecoder(encoding.encoding);
  const body = bytes.subarray(encoding.bomLength);
  return { text: decoder.write(body) + decoder.end(), encoding };
}

/**
 * Decodes a stream whose size is not known in advance and that cannot be read twice. While the
 * text is ASCII nothing is decided (ASCII is the same in UTF-8 and Windows-1252); the first
 * non-ASCII character decides: a valid UTF-8 sequence makes the rest UTF-8 (a stray invalid
 * byte later is read as Windows-1252 and counted), an invalid one makes it Windows-1252. So a
 * Windows-1252 file is read as such however late its first accented letter comes. A BOM or a
 * forced encoding decides at once.
 */
export class TextStreamDecoder {
  private decoder: ChunkDecoder | undefined;
  private undecided: Buffer = Buffer.alloc(0);
  private started = false;
  /** The encoding once decided (at the first non-ASCII character, or a BOM). */
  encoding: TextEncoding | undefined;

  constructor(private readonly forced?: TextEncoding) {}

  get fallbackBytes(): number {
    return this.decoder?.fallbackBytes ?? 0;
  }

  write(chunk: Buffer): string {
    if (this.decoder) return this.decoder.write(chunk);
    let data = this.undecided.length > 0 ? Buffer.concat([this.undecided, chunk]) : chunk;
    if (!this.started) {
      // A BOM may be cut by the first chunk; three bytes settle it.
      if (data.length < 3 && this.forced === undefined) {
        this.undecided = Buffer.from(data);
        return '';
      }
      this.started = true;
      const detected = this.forced !== undefined ? { encoding: this.forced, bomLength: 0, source: 'forced' as const } : bomOf(data);
      if (detected) return this.decide(detected.encoding, data.subarray(detected.bomLength));
    }
    if (isAscii(data)) {
      this.undecided = Buffer.alloc(0);
      return data.toString('latin1');
    }
    let first = 0;
    while (data[first]! < 0x80) first++;
    const len = validSequenceLength(data, first);
    if (len === 0 && data.length - first < 4 && incompleteUtf8Tail(data) === data.length - first) {
      // The first non-ASCII character is cut by the chunk's end: wait for the rest of it.
      this.undecided = Buffer.from(data.subarray(first));
      return data.toString('latin1', 0, first);
    }
    const ascii = data.toString('latin1', 0, first);
    data = data.subarray(first);
    return ascii + this.decide(len > 0 ? 'utf-8' : 'windows-1252', data);
  }

  end(): string {
    if (this.decoder) return this.decoder.end();
    const rest = this.undecided;
    this.undecided = Buffer.alloc(0);
    if (rest.length === 0) return '';
    // Input that ended before anything decided: its bytes, whatever they are, settle it now.
    const bom = this.started ? undefined : bomOf(rest);
    const encoding = bom?.encoding ?? detectEncoding(rest).encoding;
    const text = this.decide(encoding, rest.subarray(bom?.bomLength ?? 0));
    return text + this.decoder!.end();
  }

  private decide(encoding: TextEncoding, data: Buffer): string {
    this.encoding = encoding;
    this.decoder = createChunkDecoder(encoding);
    this.undecided = Buffer.alloc(0);
    return data.length > 0 ? this.decoder.write(data) : '';
  }
}
