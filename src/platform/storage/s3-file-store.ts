import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BaseFileStore, ByteMeter, checkKey, checkRange, FileNotFoundError, type ByteRange, type LocalFile, type StoredFile } from './file-store.js';

export interface S3StoreOptions {
  bucket: string;
  /** Prepended to every key (e.g. `trestle/`), so several deployments can share a bucket. */
  prefix?: string;
  /** Size of each multipart part (S3's minimum is 5 MiB); memory per upload is about partSize × queueSize. */
  partSizeBytes?: number;
  /** Parts uploaded at once per write. */
  queueSize?: number;
  /** Folder for the temporary local copies that `localFile` makes. */
  tempDir: string;
  /** Hand out presigned GET URLs for download links (else they go through the server). */
  presignedDownloads?: boolean;
}

export interface S3Connection {
  endpoint?: string | undefined;
  region: string;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle?: boolean;
}

/** Temporary copies older than this were left by a process that died; the next store removes them. */
const STALE_COPY_MS = 24 * 3600 * 1000;
const COPY_PREFIX = 'trestle-file-';

export function s3Client(connection: S3Connection): S3Client {
  const config: S3ClientConfig = {
    region: connection.region,
    forcePathStyle: connection.forcePathStyle ?? false,
    // Checksums only where S3 requires them: the SDK's default (CRC32 on every upload, sent as
    // aws-chunked trailers) is not understood by every S3-compatible server, and the file store
    // computes its own SHA-256 of every file.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (connection.endpoint) config.endpoint = connection.endpoint;
  if (connection.accessKeyId && connection.secretAccessKey) {
    config.credentials = { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey };
  }
  return new S3Client(config);
}

function missing(error: unknown): boolean {
  if (error instanceof S3ServiceException) return error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404;
  return false;
}

/**
 * Files in an S3-compatible bucket. Writes are multipart uploads fed from the stream as it comes
 * (lib-storage's Upload: parts of `partSizeBytes`, `queueSize` in flight), metered and hashed on
 * the way; a failure or a file over the limit aborts the multipart upload, so no object appears.
 * Reads are GetObject streams, with a Range when asked. Readers that need a file on disk get a
 * temporary copy that `release` deletes.
 */
export class S3FileStore extends BaseFileStore {
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private swept = false;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3StoreOptions,
  ) {
    super();
    this.prefix = options.prefix ?? '';
    this.partSize = options.partSizeBytes ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 2;
  }

  /** The object key of a file key. */
  objectKey(key: string): string {
    return this.prefix + checkKey(key);
  }

  async write(key: string, source: Readable | AsyncIterable<Buffer | string>, maxBytes = Number.POSITIVE_INFINITY): Promise<StoredFile> {
    const Key = this.objectKey(key);
    const meter = new ByteMeter(maxBytes);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key, Body: meter },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    const fed = pipeline(source, meter);
    // Whichever side fails stops the other: a failed upload stops reading the source; a failed
    // source (or the size limit) fails the Upload's reading of its body, and lib-storage then
    // aborts the multipart upload (AbortMultipartUpload) before done() rejects.
    const uploaded = upload.done().catch((error: unknown) => {
      meter.destroy(error as Error);
      throw error;
    });
    const results = await Promise.allSettled([fed, uploaded]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      // Fed reports the source's own error (or the limit); the upload's may be the abort's.
      const cause: unknown = results[0].status === 'rejected' ? results[0].reason : failure.reason;
      throw meter.failure(cause);
    }
    return { key, size: meter.byteCount, sha256: meter.digest() };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const Key = this.objectKey(key);
    if (range) checkRange(range);
    try {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key,
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
        }),
      );
      // In Node the body is the HTTP response stream (an IncomingMessage).
      return object.Body as Readable;
    } catch (error) {
      if (missing(error)) throw new FileNotFoundError(key);
      throw error;
    }
  }

  async size(key: string): Promise<number> {
    const Key = this.objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (missing(error)) throw new FileNotFoundError(key);
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
  }

  /**
   * Downloads the object to a folder of its own under `tempDir` and hands out its path; the copy
   * is as large as the object (files are bounded by MAX_UPLOAD_BYTES) and lives until `release`,
   * which callers reach in a `finally`. Copies a killed process left behind are swept once a day old.
   */
  async localFile(key: string): Promise<LocalFile> {
    await this.sweepOnce();
    const source = await this.read(key);
    await mkdir(this.options.tempDir, { recursive: true });
    const dir = await mkdtemp(path.join(this.options.tempDir, COPY_PREFIX));
    const release = () => rm(dir, { recursive: true, force: true });
    const file = path.join(dir, path.posix.basename(key));
    try {
      await pipeline(source, createWriteStream(file, { flags: 'wx' }));
    } catch (error) {
      await release();
      throw error;
    }
    return { path: file, release };
  }

  async directDownloadUrl(key: string, options: { fileName: string; contentType: string; expiresInSeconds: number }): Promise<string | null> {
    if (!this.options.presignedDownloads) return null;
    const command = new GetObjectCommand({
      Bucket: this.options.bucket,
      Key: this.objectKey(key),
      ResponseContentType: options.contentType,
      ResponseContentDisposition: `attachment; filename="${options.fileName.replace(/[^\w.\- ]/g, '_')}"`,
      ResponseCacheControl: 'private, no-store',
    });
    return getSignedUrl(this.client, command, { expiresIn: Math.max(1, Math.ceil(options.expiresInSeconds)) });
  }

  private async sweepOnce(): Promise<void> {
    if (this.swept) return;
    this.swept = true;
    const entries = await readdir(this.options.tempDir).catch(() => [] as string[]);
    const now = Date.now();
    for (const name of entries) {
      if (!name.startsWith(COPY_PREFIX)) continue;
      const full = path.join(this.options.tempDir, name);
      const info = await stat(full).catch(() => null);
      if (info && now - info.mtimeMs > STALE_COPY_MS) await rm(full, { recursive: true, force: true });
    }
  }
}
