import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';

/** Text is gathered into chunks of about this size: one syscall and one hash update per chunk. */
const CHUNK_CHARS = 64 * 1024;

/**
 * A file written as UTF-8 text, hashed and counted from exactly the bytes handed to the disk.
 * Memory stays bounded: `write` waits for the disk whenever the stream's buffer is full.
 */
export class FileSink {
  private pending = '';
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private failure: Error | undefined;
  private closed = false;
  /** Lets `abort` release a write that waits for 'drain' (a destroyed stream never drains). */
  private readonly aborting = new AbortController();

  private constructor(
    private readonly stream: WriteStream,
    readonly path: string,
  ) {
    stream.on('error', (error) => {
      this.failure ??= error;
    });
  }

  /** Opens (creates or truncates) the file; fails here, not at the first write, if it cannot. */
  static async open(filePath: string): Promise<FileSink> {
    const stream = createWriteStream(filePath);
    await once(stream, 'open');
    return new FileSink(stream, filePath);
  }

  async write(text: string): Promise<void> {
    if (this.closed) throw new Error(`${this.path} is already closed`);
    this.pending += text;
    if (this.pending.length >= CHUNK_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending === '') return;
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain', { signal: this.aborting.signal });
  }

  /** Writes what is left, closes the file and returns its size and SHA-256. */
  async close(): Promise<{ bytes: number; sha256: string }> {
    if (this.closed) throw new Error(`${this.path} is already closed`);
    await this.flush();
    this.closed = true;
    this.stream.end();
    // 'close' comes after the descriptor is closed (and after 'error', if the last write failed).
    await once(this.stream, 'close');
    if (this.failure) throw this.failure;
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Stops writing and deletes the file. */
  async abort(): Promise<void> {
    this.closed = true;
    this.pending = '';
    this.aborting.abort(new Error(`export to ${this.path} was aborted`));
    if (!this.stream.closed) {
      // Not events.once: it would reject on the write errors that destroying may cause.
      const closed = new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
      this.stream.destroy();
      await closed;
    }
    await rm(this.path, { force: true });
  }
}
