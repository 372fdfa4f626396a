import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors/app-error.js';

export interface StoredFile {
  /** Path relative to the store's root: what the database keeps. */
  key: string;
  size: number;
  sha256: string;
}

export class FileTooLargeError extends AppError {
  constructor(limit: number) {
    super('PAYLOAD_TOO_LARGE', `The file exceeds the limit of ${limit} bytes`, { context: { limitBytes: limit } });
  }
}

/**
 * Files on a local folder (the default storage): uploads, error reports, exports. Writes are
 * streamed with a running size limit and SHA-256, never buffered whole; a write that fails
 * leaves nothing behind. Keys are namespaced by organization so one tenant's files never
 * share a folder with another's. Behind this class a cloud bucket could stand instead.
 */
export class FileStore {
  constructor(private readonly root: string) {}

  /** Absolute path of a key; refuses keys that would leave the root. */
  resolve(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`file key escapes the store: ${key}`);
    return full;
  }

  newKey(organizationId: number, kind: 'uploads' | 'reports' | 'exports' | 'templates', extension: string): string {
    const ext = extension.replace(/[^a-z0-9]/gi, '').slice(0, 8).toLowerCase();
    return path.posix.join(`org-${organizationId}`, kind, `${randomUUID()}${ext ? `.${ext}` : ''}`);
  }

  async write(key: string, source: Readable | AsyncIterable<Buffer | string>, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredFile> {
    const target = this.resolve(key);
    await mkdir(path.dirname(target), { recursive: true });
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new FileTooLargeError(maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(target, { flags: 'wx' }));
    } catch (error) {
      await rm(target, { force: true });
      // The upload parser (graphql-upload) enforces the same limit on its side with a 413.
      if ((error as { status?: number }).status === 413 && Number.isFinite(maxBytes)) throw new FileTooLargeError(maxBytes);
      throw error;
    }
    return { key, size, sha256: hash.digest('hex') };
  }

  read(key: string): Readable {
    return createReadStream(this.resolve(key));
  }

  async size(key: string): Promise<number> {
    return (await stat(this.resolve(key))).size;
  }

  async remove(key: string): Promise<void> {
    await rm(this.resolve(key), { force: true });
  }
}
