import { createHash, randomUUID, type Hash } from 'node:crypto';
import path from 'node:path';
import { PassThrough, Transform, Writable, type Readable } from 'node:stream';
import { AppError } from '../errors/app-error.js';

export interface StoredFile {
  /** The file's key, relative to the store's root or bucket prefix: what the database keeps. */
  key: string;
  size: number;
  sha256: string;
}

/** Bytes `start` to `end` of a file, both included (as in HTTP's Range header); `end` defaults to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

/** A file on this machine's disk for readers that need one (seeking ZIP readers); `release` deletes it when it is a copy. */
export interface LocalFile {
  path: string;
  release(): Promise<void>;
}

export type FileKind = 'uploads' | 'reports' | 'exports' | 'templates';

/**
 * Where uploads, error reports and exports live: a local folder (LocalFileStore, the default) or
 * an S3-compatible bucket (S3FileStore). Writes are streamed with a running size limit and
 * SHA-256, never buffered whole; a write that fails leaves nothing behind. Keys are namespaced by
 * organization (`org-<id>/<kind>/<uuid>.<ext>`) so one tenant's files never share a prefix with
 * another's.
 */
export interface FileStore {
  /** A fresh key under the organization's prefix. */
  newKey(organizationId: number, kind: FileKind, extension: string): string;
  /** Stores the stream's bytes under `key`; FileTooLargeError past `maxBytes` (nothing is kept then). */
  write(key: string, source: Readable | AsyncIterable<Buffer | string>, maxBytes?: number): Promise<StoredFile>;
  /**
   * A stream whose bytes become the file `key`: it emits 'finish' once the file is stored, and
   * destroying it before then discards what was written.
   */
  createWriteStream(key: string, maxBytes?: number): Writable;
  /** The file's bytes (or a range of them); FileNotFoundError when there is none. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** The file's size in bytes; FileNotFoundError when there is none. */
  size(key: string): Promise<number>;
  exists(key: string): Promise<boolean>;
  /** Deletes the file; nothing happens when there is none. */
  remove(key: string): Promise<void>;
  /** The file on local disk for as long as the caller needs it (until `release`). */
  localFile(key: string): Promise<LocalFile>;
  /**
   * A URL from which a browser fetches the file directly until it expires, when the store is
   * configured to hand out such links (presigned S3 URLs); null means: stream it through the server.
   */
  directDownloadUrl(key: string, options: { fileName: string; contentType: string; expiresInSeconds: number }): Promise<string | null>;
}

export class FileTooLargeError extends AppError {
  constructor(limit: number) {
    super('PAYLOAD_TOO_LARGE', `The file exceeds the limit of ${limit} bytes`, { context: { limitBytes: limit } });
  }
}

export class FileNotFoundError extends AppError {
  constructor(key: string) {
    super('NOT_FOUND', 'The stored file was not found', { context: { key } });
  }
}

/** Refused before any disk or network access: a key that could leave the organization's prefix or the store. */
export class FileKeyError extends Error {
  constructor(key: string) {
    super(`file key escapes the store: ${JSON.stringify(key)}`);
    this.name = 'FileKeyError';
  }
}

/**
 * Keys are relative POSIX paths of plain segments: no `..` or `.`, no empty segment, no
 * backslash or control character. S3 would store `org-1/../x` literally, but a local folder would
 * resolve it, so both backends refuse the same keys.
 */
export function checkKey(key: string): string {
  const segments = key.split('/');
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  const plain = (s: string) => s !== '' && s !== '.' && s !== '..' && !/[\\\u0000-\u001f\u007f]/.test(s);
  if (key.length > 512 || !segments.every(plain)) throw new FileKeyError(key);
  return key;
}

/** A range must start at a byte (0 or more) and not end before it starts. */
export function checkRange(range: ByteRange): ByteRange {
  const whole = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!whole(range.start) || (range.end !== undefined && (!whole(range.end) || range.end < range.start))) {
    throw new RangeError(`invalid byte range ${range.start}-${range.end ?? ''}`);
  }
  return range;
}

export function newFileKey(organizationId: number, kind: FileKind, extension: string): string {
  const ext = extension.replace(/[^a-z0-9]/gi, '').slice(0, 8).toLowerCase();
  return path.posix.join(`org-${organizationId}`, kind, `${randomUUID()}${ext ? `.${ext}` : ''}`);
}

/** The organization a key was made for (`org-<id>/…`), or null. */
export function organizationOfKey(key: string): number | null {
  const match = /^org-(\d+)\//.exec(key);
  return match ? Number(match[1]) : null;
}

/** Counts and hashes the bytes passing through; fails with FileTooLargeError past `maxBytes`. */
export class ByteMeter extends Transform {
  /** Not `size`: lib-storage reads a body's `size` as its length before any byte has passed. */
  byteCount = 0;
  tooLarge = false;
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.byteCount += bytes.length;
    if (this.byteCount > this.maxBytes) {
      this.tooLarge = true;
      done(new FileTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(bytes);
    done(null, bytes);
  }

  digest(): string {
    return this.hash.digest('hex');
  }

  /** The error a failed write reports: the size limit when it was passed, else what happened. */
  failure(error: unknown): unknown {
    if (this.tooLarge) return new FileTooLargeError(this.maxBytes);
    // The upload parser (graphql-upload) enforces the same limit on its side with a 413.
    if ((error as { status?: number }).status === 413 && Number.isFinite(this.maxBytes)) return new FileTooLargeError(this.maxBytes);
    return error;
  }
}

/**
 * `store.write` as a Writable, for writers that push bytes (CSV, XLSX, ZIP). 'finish' waits until
 * the file is stored; destroying the stream first makes the write fail, which discards it.
 * Own code rather than a library: it is the glue between Node's Writable contract and `write`.
 */
export function writableOnto(store: Pick<FileStore, 'write'>, key: string, maxBytes?: number): Writable {
  const pass = new PassThrough();
  // Its errors reach the caller through `stored` (the store may not be reading it yet).
  pass.on('error', () => undefined);
  const stored = store.write(key, pass, maxBytes);
  let settled = false;
  const outcome = stored.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  const target = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (pass.write(chunk)) done();
      else pass.once('drain', () => done());
    },
    final(done) {
      pass.end();
      void outcome.then((error) => {
        settled = true;
        done(error);
      });
    },
    destroy(error, done) {
      if (settled) return done(error);
      pass.destroy(error ?? new Error(`the write of ${key} was abandoned`));
      void outcome.then(() => done(error));
    },
  });
  // A write that fails on its own (storage unreachable) stops the producer too.
  void outcome.then((error) => {
    if (error && !target.destroyed) target.destroy(error);
  });
  return target;
}

/** What both backends share: key making, the write stream over `write`, and `exists` over `size`. */
export abstract class BaseFileStore implements FileStore {
  abstract write(key: string, source: Readable | AsyncIterable<Buffer | string>, maxBytes?: number): Promise<StoredFile>;
  abstract read(key: string, range?: ByteRange): Promise<Readable>;
  abstract size(key: string): Promise<number>;
  abstract remove(key: string): Promise<void>;
  abstract localFile(key: string): Promise<LocalFile>;
  abstract directDownloadUrl(key: string, options: { fileName: string; contentType: string; expiresInSeconds: number }): Promise<string | null>;

  newKey(organizationId: number, kind: FileKind, extension: string): string {
    return newFileKey(organizationId, kind, extension);
  }

  createWriteStream(key: string, maxBytes?: number): Writable {
    return writableOnto(this, key, maxBytes);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.size(key);
      return true;
    } catch (error) {
      if (error instanceof FileNotFoundError) return false;
      throw error;
    }
  }
}
