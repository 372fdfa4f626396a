import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';

/** Text is gathered into chunks of about this size: one syscall and one hash update per chunk. */
const CHUNK_CHARS = 64 * 1024;

/** Where a writer puts its bytes: a file path (created or truncated), or a stream it ends. */
export type ExportTarget = string | Writable;

/**
 * A file or stream written as UTF-8 text, hashed and counted from exactly the bytes handed on.
 * Memory stays bounded: `flush` waits for the stream whenever its buffer is full. Writers append
 * synchronously and flush only when `append` says a chunk is full, so a row costs no promise.
 */
export class TextSink {
  private pending = '';
  private readonly hash: Hash | undefined;
  private bytes = 0;
  private failure: Error | undefined;
  private closed = false;
  /** Lets `abort` release a write that waits for 'drain' (a destroyed stream never drains). */
  private readonly aborting = new AbortController();

  private constructor(
    private readonly stream: Writable,
    /** The file to delete on abort; none for a stream owned by someone else. */
    private readonly filePath: string | undefined,
    readonly label: string,
    hashed: boolean,
  ) {
    this.hash = hashed ? createHash('sha256') : undefined;
    stream.on('error', (error) => {
      this.failure ??= error;
      this.aborting.abort(error);
    });
  }

  /**
   * Opens the target; a file fails here, not at the first write, if it cannot be created.
   * Without `hashed`, `close` reports an empty SHA-256 (for parts whose container is hashed).
   */
  static async open(target: ExportTarget, { hashed = true }: { hashed?: boolean } = {}): Promise<TextSink> {
    if (typeof target !== 'string') return new TextSink(target, undefined, 'the export stream', hashed);
    const stream = createWriteStream(target);
    await once(stream, 'open');
    return new TextSink(stream, target, target, hashed);
  }

  /** Adds text; true when a chunk is full and the caller should `await flush()`. */
  append(text: string): boolean {
    if (this.closed) throw new Error(`${this.label} is already closed`);
    this.pending += text;
    return this.pending.length >= CHUNK_CHARS;
  }

  /** `append`, then `flush` when due. */
  async write(text: string): Promise<void> {
    if (this.append(text)) await this.flush();
  }

  /** Hands the gathered text on; waits while the stream's buffer is full. */
  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pending === '') return;
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.hash?.update(chunk);
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain', { signal: this.aborting.signal });
  }

  /** Writes what is left, ends the stream (closing a file) and returns its size and SHA-256. */
  async close(): Promise<{ bytes: number; sha256: string }> {
    if (this.closed) throw new Error(`${this.label} is already closed`);
    await this.flush();
    this.closed = true;
    this.stream.end();
    // A file: 'close' comes after the descriptor is closed (and after 'error' if the last write
    // failed). A stream handed in: 'finish' once its reader has everything.
    if (this.filePath === undefined) await once(this.stream, 'finish', { signal: this.aborting.signal });
    else await once(this.stream, 'close');
    if (this.failure) throw this.failure;
    return { bytes: this.bytes, sha256: this.hash?.digest('hex') ?? '' };
  }

  /** Stops writing: destroys the stream and deletes the file (a stream's owner cleans up its own). */
  async abort(): Promise<void> {
    this.closed = true;
    this.pending = '';
    const reason = new Error(`export to ${this.label} was aborted`);
    this.aborting.abort(reason);
    if (!this.stream.destroyed) {
      // Not events.once: it would reject on the write errors that destroying may cause.
      const closed = new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
      this.stream.destroy(this.filePath === undefined ? reason : undefined);
      await closed;
    }
    if (this.filePath !== undefined) await rm(this.filePath, { force: true });
  }
}
