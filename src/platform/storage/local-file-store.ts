import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BaseFileStore, ByteMeter, checkKey, checkRange, FileKeyError, FileNotFoundError, type ByteRange, type LocalFile, type StoredFile } from './file-store.js';

const notFound = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Files in a local folder (the default backend). A write goes to a `.partial-*` file beside its
 * target and is renamed into place when complete, so a reader sees the whole file or none.
 */
export class LocalFileStore extends BaseFileStore {
  private readonly root: string;

  constructor(root: string) {
    super();
    this.root = path.resolve(root);
  }

  /** Absolute path of a key; refuses keys that would leave the root. */
  resolve(key: string): string {
    checkKey(key);
    const full = path.resolve(this.root, key);
    if (!full.startsWith(this.root + path.sep)) throw new FileKeyError(key);
    return full;
  }

  async write(key: string, source: Readable | AsyncIterable<Buffer | string>, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredFile> {
    const target = this.resolve(key);
    await mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${randomUUID()}`;
    const meter = new ByteMeter(maxBytes);
    try {
      await pipeline(source, meter, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw meter.failure(error);
    }
    return { key, size: meter.byteCount, sha256: meter.digest() };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.resolve(key);
    if (range) checkRange(range);
    // Opened here so that a missing file fails this call, before any response is begun.
    await this.size(key);
    return createReadStream(file, range ? { start: range.start, ...(range.end === undefined ? {} : { end: range.end }) } : {});
  }

  async size(key: string): Promise<number> {
    try {
      return (await stat(this.resolve(key))).size;
    } catch (error) {
      if (notFound(error)) throw new FileNotFoundError(key);
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.resolve(key), { force: true });
  }

  /** The file itself: nothing to copy or release. */
  async localFile(key: string): Promise<LocalFile> {
    return { path: this.resolve(key), release: async () => undefined };
  }

  /** Local files are always streamed through the server. */
  async directDownloadUrl(): Promise<string | null> {
    return null;
  }
}
