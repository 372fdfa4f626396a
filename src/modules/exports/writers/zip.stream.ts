import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { crc32, createDeflateRaw, deflateRawSync, type DeflateRaw } from 'node:zlib';

/**
 * Deflate level of exported data (zlib's 1–9; 0 stores). Level 1 costs a fraction of the default
 * 6 on export text, which is repetitive enough that the archive grows only a little (README,
 * Benchmarks). zlib works on libuv's thread pool, beside the thread that formats the rows.
 */
export const EXPORT_DEFLATE_LEVEL = 1;

const U32 = 0xffffffff;
const U16 = 0xffff;
/** General-purpose flags: bit 3, sizes and CRC follow the data; bit 11, the name is UTF-8. */
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const MADE_BY_UNIX = 3 << 8;
/** A regular file, rw-r--r--, in the high half of the external attributes (Unix made-by). */
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;

interface Written {
  name: Buffer;
  method: 0 | 8;
  flags: number;
  crc: number;
  compressed: number;
  uncompressed: number;
  offset: number;
}

/** MS-DOS date and time (two-second steps, no zone: the UTC fields are used). */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.min(Math.max(date.getUTCFullYear(), 1980), 2107);
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

/** Entry names: relative paths with `/`, as extracting them must not leave the target folder. */
function entryName(name: string): Buffer {
  if (name === '' || name.includes('\\') || name.includes('\0')) throw new Error(`invalid ZIP entry name: ${JSON.stringify(name)}`);
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) throw new Error(`absolute path: ${name}`);
  if (name.split('/').includes('..')) throw new Error(`invalid relative path: ${name}`);
  if (name.endsWith('/')) throw new Error(`file path cannot end with '/': ${name}`);
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length > U16) throw new Error('ZIP entry name too long');
  return bytes;
}

/** Refuses, before anything is written, names that `ZipStream` would refuse one by one. */
export function checkZipNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    entryName(name);
    const folded = name.toLowerCase();
    if (seen.has(folded)) throw new Error(`ZIP entry "${name}" is listed twice`);
    seen.add(folded);
  }
}

/**
 * A ZIP archive written as its entries are produced, in one pass: an entry is a stream that the
 * caller writes while it is compressed (zlib, on the thread pool) into the archive, its CRC-32
 * taken natively on the way; the archive is hashed as it goes to disk. Streamed entries carry
 * their sizes and CRC in a data descriptor after the data (general-purpose flag bit 3); sizes or
 * offsets past 4 GiB switch to ZIP64 (an 8-byte descriptor, ZIP64 extra fields in the central
 * directory, the ZIP64 end records), as APPNOTE 6.3 describes. Entries are written one after the
 * other, in the order they were added. Names are relative paths with `/`, no two
 * equal but for case. On `abort`, or when the archive cannot be written, the file is deleted.
 */
export class ZipStream {
  private readonly file: Writable;
  private readonly hash = createHash('sha256');
  private readonly names = new Set<string>();
  private readonly entries: Written[] = [];
  private readonly open: Writable[] = [];
  private bytes = 0;
  private failure: Error | undefined;
  /** The entry being written; the next one starts when it has ended. */
  private tail: Promise<void> = Promise.resolve();
  private state: 'open' | 'closed' | 'aborted' = 'open';
  private readonly stamp = dosDateTime(new Date());

  private constructor(
    output: Writable | undefined,
    /** The archive's file, deleted on failure; none when writing into a stream of someone else's. */
    private readonly zipPath: string | undefined,
  ) {
    this.file = output ?? createWriteStream(zipPath!, { flags: 'wx' });
    this.file.on('error', (error) => this.fail(error));
  }

  /** Creates the archive file (it must not exist yet); a failure to create it is reported by the first write or by `close`. */
  static open(zipPath: string): ZipStream {
    return new ZipStream(undefined, zipPath);
  }

  /** Writes the archive into a stream, which `close` ends and `abort` destroys. */
  static over(output: Writable): ZipStream {
    return new ZipStream(output, undefined);
  }

  private get label(): string {
    return this.zipPath ?? 'ZIP stream';
  }

  private fail(error: Error): void {
    this.failure ??= error;
    // A writer waiting on an entry would wait forever: fail it instead (with the error when
    // someone listens for it, else an 'error' nobody handles would crash the process).
    for (const entry of this.open) entry.destroy(entry.listenerCount('error') > 0 ? this.failure : undefined);
  }

  /** Appends bytes to the archive; false when the file's buffer is full (wait for 'drain'). */
  private out(chunk: Buffer): boolean {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    return this.file.write(chunk);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async drained(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.file.writableNeedDrain) await once(this.file, 'drain');
  }

  private claim(name: string): Buffer {
    if (this.state !== 'open') throw new Error(`the ZIP ${this.label} is ${this.state}`);
    const bytes = entryName(name);
    const folded = name.toLowerCase();
    if (this.names.has(folded)) throw new Error(`ZIP entry "${name}" is listed twice`);
    this.names.add(folded);
    return bytes;
  }

  private localHeader(entry: Written, sizesKnown: boolean): Buffer {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(entry.flags, 6);
    header.writeUInt16LE(entry.method, 8);
    header.writeUInt16LE(this.stamp.time, 10);
    header.writeUInt16LE(this.stamp.date, 12);
    if (sizesKnown) {
      header.writeUInt32LE(entry.crc, 14);
      header.writeUInt32LE(entry.compressed, 18);
      header.writeUInt32LE(entry.uncompressed, 22);
    }
    header.writeUInt16LE(entry.name.length, 26);
    header.writeUInt16LE(0, 28);
    return Buffer.concat([header, entry.name]);
  }

  /**
   * A stream for the next entry: what is written to it lands in the archive, deflated at
   * `compressionLevel` (0 stores, for data that is compressed already such as XLSX). End it
   * before adding another entry or closing.
   */
  entry(name: string, compressionLevel: number = EXPORT_DEFLATE_LEVEL): Writable {
    const entry: Written = { name: this.claim(name), method: compressionLevel === 0 ? 0 : 8, flags: FLAG_DESCRIPTOR | FLAG_UTF8, crc: 0, compressed: 0, uncompressed: 0, offset: 0 };
    let deflate: DeflateRaw | undefined;
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      entry.offset = this.bytes;
      this.out(this.localHeader(entry, false));
      if (entry.method === 0) return;
      deflate = createDeflateRaw({ level: compressionLevel, chunkSize: 64 * 1024 });
      deflate.on('data', (chunk: Buffer) => {
        entry.compressed += chunk.length;
        if (!this.out(chunk)) {
          deflate!.pause();
          this.file.once('drain', () => deflate!.resume());
        }
      });
      deflate.on('error', (error) => this.fail(error));
    };
    const previous = this.tail;
    let finished!: () => void;
    this.tail = new Promise<void>((resolve) => (finished = resolve));
    const stream = new Writable({
      highWaterMark: 256 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        // An entry is written only once the one before it has ended.
        previous.then(
          () => {
            if (this.failure) return callback(this.failure);
            start();
            entry.crc = crc32(chunk, entry.crc);
            entry.uncompressed += chunk.length;
            if (deflate) {
              if (deflate.write(chunk)) callback();
              else deflate.once('drain', () => callback());
            } else {
              entry.compressed += chunk.length;
              if (this.out(chunk)) callback();
              else this.drained().then(() => callback(), callback);
            }
          },
          (error: Error) => callback(error),
        );
      },
      final: (callback) => {
        previous
          .then(async () => {
            start();
            if (deflate) {
              const ended = once(deflate, 'end');
              deflate.end();
              await ended;
            }
            if (this.failure) throw this.failure;
            this.out(this.descriptor(entry));
            this.entries.push(entry);
            this.open.splice(this.open.indexOf(stream), 1);
            finished();
            callback();
          })
          .catch((error: Error) => callback(error));
      },
      destroy: (error, callback) => {
        deflate?.destroy();
        callback(error);
      },
    });
    this.open.push(stream);
    return stream;
  }

  private descriptor(entry: Written): Buffer {
    const zip64 = entry.compressed >= U32 || entry.uncompressed >= U32;
    const out = Buffer.alloc(zip64 ? 24 : 16);
    out.writeUInt32LE(0x08074b50, 0);
    out.writeUInt32LE(entry.crc, 4);
    if (zip64) {
      out.writeBigUInt64LE(BigInt(entry.compressed), 8);
      out.writeBigUInt64LE(BigInt(entry.uncompressed), 16);
    } else {
      out.writeUInt32LE(entry.compressed, 8);
      out.writeUInt32LE(entry.uncompressed, 12);
    }
    return out;
  }

  /** A text entry (UTF-8, deflated at the default level: it is small). */
  addText(name: string, content: string): void {
    const entry: Written = { name: this.claim(name), method: 8, flags: FLAG_UTF8, crc: 0, compressed: 0, uncompressed: 0, offset: 0 };
    const data = Buffer.from(content, 'utf8');
    const compressed = deflateRawSync(data);
    entry.crc = crc32(data);
    entry.uncompressed = data.length;
    entry.compressed = compressed.length;
    const previous = this.tail;
    this.tail = previous.then(async () => {
      if (this.failure) throw this.failure;
      entry.offset = this.bytes;
      this.out(this.localHeader(entry, entry.offset < U32 && data.length < U32));
      this.out(compressed);
      this.entries.push(entry);
      await this.drained();
    });
    // Reported by close(); an unhandled rejection must not escape meanwhile.
    this.tail.catch(() => undefined);
  }

  private centralDirectory(): Buffer[] {
    const parts: Buffer[] = [];
    for (const e of this.entries) {
      const extra: bigint[] = [];
      if (e.uncompressed >= U32) extra.push(BigInt(e.uncompressed));
      if (e.compressed >= U32) extra.push(BigInt(e.compressed));
      if (e.offset >= U32) extra.push(BigInt(e.offset));
      const version = extra.length ? 45 : 20;
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE(MADE_BY_UNIX | version, 4);
      header.writeUInt16LE(version, 6);
      header.writeUInt16LE(e.flags, 8);
      header.writeUInt16LE(e.method, 10);
      header.writeUInt16LE(this.stamp.time, 12);
      header.writeUInt16LE(this.stamp.date, 14);
      header.writeUInt32LE(e.crc, 16);
      header.writeUInt32LE(Math.min(e.compressed, U32), 20);
      header.writeUInt32LE(Math.min(e.uncompressed, U32), 24);
      header.writeUInt16LE(e.name.length, 28);
      header.writeUInt16LE(extra.length ? 4 + 8 * extra.length : 0, 30);
      header.writeUInt32LE(FILE_ATTRIBUTES, 38);
      header.writeUInt32LE(Math.min(e.offset, U32), 42);
      parts.push(header, e.name);
      if (extra.length) {
        const field = Buffer.alloc(4 + 8 * extra.length);
        field.writeUInt16LE(0x0001, 0);
        field.writeUInt16LE(8 * extra.length, 2);
        extra.forEach((v, i) => field.writeBigUInt64LE(v, 4 + 8 * i));
        parts.push(field);
      }
    }
    return parts;
  }

  private endRecords(cdOffset: number, cdSize: number): Buffer {
    const count = this.entries.length;
    const parts: Buffer[] = [];
    if (count >= U16 || cdOffset >= U32 || cdSize >= U32) {
      const record = Buffer.alloc(56);
      record.writeUInt32LE(0x06064b50, 0);
      record.writeBigUInt64LE(44n, 4);
      record.writeUInt16LE(MADE_BY_UNIX | 45, 12);
      record.writeUInt16LE(45, 14);
      record.writeBigUInt64LE(BigInt(count), 24);
      record.writeBigUInt64LE(BigInt(count), 32);
      record.writeBigUInt64LE(BigInt(cdSize), 40);
      record.writeBigUInt64LE(BigInt(cdOffset), 48);
      const locator = Buffer.alloc(20);
      locator.writeUInt32LE(0x07064b50, 0);
      locator.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
      locator.writeUInt32LE(1, 16);
      parts.push(record, locator);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(count, U16), 8);
    end.writeUInt16LE(Math.min(count, U16), 10);
    end.writeUInt32LE(Math.min(cdSize, U32), 12);
    end.writeUInt32LE(Math.min(cdOffset, U32), 16);
    parts.push(end);
    return Buffer.concat(parts);
  }

  /** Completes the archive once every entry has ended: its size and SHA-256. */
  async close(): Promise<{ bytes: number; sha256: string }> {
    if (this.state !== 'open') throw new Error(`the ZIP ${this.label} is ${this.state}`);
    this.state = 'closed';
    try {
      this.throwIfFailed();
      if (this.open.length) throw new Error(`ZIP entry streams not ended before close: ${this.open.length}`);
      await this.tail;
      const cdOffset = this.bytes;
      const directory = Buffer.concat(this.centralDirectory());
      this.out(directory);
      this.out(this.endRecords(cdOffset, directory.length));
      this.file.end();
      // A file: 'close' once its descriptor is closed; a stream: 'finish' once its reader has all.
      await once(this.file, this.zipPath === undefined ? 'finish' : 'close');
      this.throwIfFailed();
    } catch (error) {
      this.fail(error as Error);
      await this.discard();
      throw error;
    }
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  private async discard(): Promise<void> {
    if (!this.file.destroyed) {
      // Not events.once: it would reject on the write errors that destroying may cause.
      const closed = new Promise<void>((resolve) => this.file.once('close', () => resolve()));
      this.file.destroy(this.zipPath === undefined ? this.failure : undefined);
      await closed;
    }
    if (this.zipPath !== undefined) await rm(this.zipPath, { force: true });
  }

  /** Gives up: stops writing and deletes the partial archive. Safe after a failure. */
  async abort(): Promise<void> {
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    this.fail(new Error(`the ZIP ${this.label} was aborted`));
    await this.discard();
  }
}
