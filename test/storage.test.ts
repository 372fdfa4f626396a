import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileKeyError, FileNotFoundError, FileTooLargeError, organizationOfKey, type FileStore } from '../src/platform/storage/file-store.js';
import { LocalFileStore } from '../src/platform/storage/local-file-store.js';
import { s3Client, S3FileStore } from '../src/platform/storage/s3-file-store.js';
import { s3Server, uniquePrefix, type S3Server } from './support/s3-server.js';

/*
 * One suite, both backends: the local folder and an S3 bucket on a real S3-compatible server
 * (s3rver, started by scripts/s3-server.sh). The S3 half skips, saying why, when that server
 * cannot be started.
 */

const MiB = 1024 * 1024;
/** S3's smallest part: files above it go up as multipart uploads. */
const PART = 5 * MiB;

const server = await s3Server();
if ('skipped' in server) console.warn(`S3 storage tests skipped: the S3-compatible server did not start (${server.skipped})`);

interface Backend {
  /** A store; stores of the same `tenant` share one bucket (or folder) under different prefixes. */
  make(options?: { prefix?: string; presigned?: boolean }): FileStore;
  /** Every file or object the backend holds, whatever its name (partial files and all). */
  everything(): Promise<string[]>;
  /** Names of the S3 commands sent so far (S3 only). */
  sent?: string[];
}

async function walk(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

async function localBackend(): Promise<Backend & { cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'trestle-store-'));
  return {
    make: ({ prefix = '' } = {}) => new LocalFileStore(path.join(root, prefix)),
    everything: () => walk(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

async function s3Backend(s3: S3Server): Promise<Backend & { cleanup(): Promise<void> }> {
  // One bucket (made by scripts/s3-server.sh), a prefix of its own for this run.
  const base = uniquePrefix('storage');
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'trestle-s3-copies-'));
  const sent: string[] = [];
  const client: S3Client = s3Client({ ...s3, forcePathStyle: true });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return {
    sent,
    make: ({ prefix = '', presigned = false } = {}) =>
      new S3FileStore(client, { bucket: s3.bucket, prefix: base + prefix, tempDir, partSizeBytes: PART, presignedDownloads: presigned }),
    async everything() {
      return [...(await s3.objectKeys(base)), ...(await walk(tempDir)).map((f) => `temp:${f}`)];
    },
    cleanup: () => rm(tempDir, { recursive: true, force: true }),
  };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** `total` bytes in chunks of 64 KiB, made as they are read (never one buffer). */
function chunks(total: number, seed = 7): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const size = Math.min(64 * 1024, total - sent);
      const chunk = Buffer.alloc(size, (sent / 65536 + seed) % 251);
      sent += size;
      this.push(chunk);
    },
  });
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const BACKENDS = [
  { name: 'local folder', start: localBackend },
  { name: 'S3 bucket', start: () => s3Backend(server as S3Server), skip: 'skipped' in server },
];

describe.each(BACKENDS)('file store on a $name', ({ start, skip }) => {
  let backend: Backend & { cleanup(): Promise<void> };
  let store: FileStore;

  beforeAll(async () => {
    if (skip) return;
    backend = await start();
    store = backend.make();
  });
  afterAll(async () => {
    await backend?.cleanup();
  });

  test.skipIf(skip)('writes a file under its organization, and reads back the same bytes with their size and SHA-256', async () => {
    const content = randomBytes(100_000);
    const key = store.newKey(7, 'uploads', '.CSV');
    expect(key).toMatch(/^org-7\/uploads\/[0-9a-f-]{36}\.csv$/);
    expect(organizationOfKey(key)).toBe(7);
    const stored = await store.write(key, Readable.from([content.subarray(0, 10), content.subarray(10)]));
    expect(stored).toEqual({ key, size: content.length, sha256: sha256(content) });
    expect(await bytesOf(await store.read(key))).toEqual(content);
    expect(await store.size(key)).toBe(content.length);
    expect(await store.exists(key)).toBe(true);
  });

  test.skipIf(skip)('streams a file larger than several parts, as it is produced', async () => {
    const total = 2 * PART + 12_345;
    const key = store.newKey(7, 'exports', 'bin');
    const stored = await store.write(key, chunks(total));
    const expected = await bytesOf(chunks(total));
    expect(stored).toEqual({ key, size: total, sha256: sha256(expected) });
    expect(sha256(await bytesOf(await store.read(key)))).toBe(sha256(expected));
    if (backend.sent) expect(backend.sent).toContain('CompleteMultipartUploadCommand');
  });

  test.skipIf(skip)('refuses a file over the size limit and keeps nothing of it, in one part or after several', async () => {
    const before = await backend.everything();
    const small = store.newKey(7, 'uploads', 'csv');
    await expect(store.write(small, chunks(1000), 999)).rejects.toBeInstanceOf(FileTooLargeError);
    const large = store.newKey(7, 'uploads', 'csv');
    backend.sent?.splice(0);
    await expect(store.write(large, chunks(2 * PART + 1), 2 * PART)).rejects.toThrow(new FileTooLargeError(2 * PART));
    // On S3 the parts already sent are given up: the multipart upload is aborted.
    if (backend.sent) expect(backend.sent).toEqual(expect.arrayContaining(['CreateMultipartUploadCommand', 'UploadPartCommand', 'AbortMultipartUploadCommand']));
    if (backend.sent) expect(backend.sent).not.toContain('CompleteMultipartUploadCommand');
    expect(await store.exists(small)).toBe(false);
    expect(await store.exists(large)).toBe(false);
    expect(await backend.everything()).toEqual(before);
    // Exactly at the limit is allowed.
    expect((await store.write(store.newKey(7, 'uploads', 'csv'), chunks(1000), 1000)).size).toBe(1000);
  });

  test.skipIf(skip)('keeps nothing of a write whose source fails, and reports the source’s error', async () => {
    const before = await backend.everything();
    async function* failing() {
      for (let i = 0; i < 100; i++) yield Buffer.alloc(64 * 1024, i);
      throw new Error('the client went away');
    }
    const key = store.newKey(7, 'uploads', 'csv');
    await expect(store.write(key, failing())).rejects.toThrow('the client went away');
    expect(await store.exists(key)).toBe(false);
    expect(await backend.everything()).toEqual(before);
  });

  test.skipIf(skip)('takes a file through a write stream; a stream destroyed before its end keeps nothing', async () => {
    const key = store.newKey(7, 'reports', 'csv');
    const out = store.createWriteStream(key);
    out.write('Code,Name\n');
    out.end('V1,Vendor\n');
    await new Promise((resolve, reject) => out.once('finish', resolve).once('error', reject));
    // 'finish' means stored: the file is there at once.
    expect(await text(await store.read(key))).toBe('Code,Name\nV1,Vendor\n');

    const before = await backend.everything();
    const abandoned = store.newKey(7, 'reports', 'csv');
    const half = store.createWriteStream(abandoned);
    const failed = new Promise((resolve) => half.once('error', resolve));
    half.write(Buffer.alloc(PART + 10));
    await new Promise((resolve) => {
      half.once('close', resolve);
      half.destroy(new Error('the writer failed'));
    });
    expect(await failed).toMatchObject({ message: 'the writer failed' });
    expect(await store.exists(abandoned)).toBe(false);
    expect(await backend.everything()).toEqual(before);
  });

  test.skipIf(skip)('reads a range of bytes', async () => {
    const content = Buffer.from('0123456789abcdefghij');
    const key = store.newKey(7, 'exports', 'txt');
    await store.write(key, Readable.from([content]));
    expect((await bytesOf(await store.read(key, { start: 5, end: 9 }))).toString()).toBe('56789');
    expect((await bytesOf(await store.read(key, { start: 15 }))).toString()).toBe('fghij');
    expect((await bytesOf(await store.read(key, { start: 0, end: 1 }))).toString()).toBe('01');
    await expect(store.read(key, { start: 5, end: 4 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.read(key, { start: -1 })).rejects.toBeInstanceOf(RangeError);
  });

  test.skipIf(skip)('deletes a file; a missing file is NOT_FOUND to read and nothing to delete', async () => {
    const key = store.newKey(7, 'templates', 'xlsx');
    await store.write(key, Readable.from([Buffer.from('x')]));
    await store.remove(key);
    expect(await store.exists(key)).toBe(false);
    await expect(store.read(key)).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(store.size(key)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(store.remove(key)).resolves.toBeUndefined();
  });

  test.skipIf(skip)('refuses keys that would leave the store or the organization’s prefix, before touching anything', async () => {
    const before = await backend.everything();
    const attempts = ['../x', 'org-7/../../x', 'org-7/../org-8/uploads/a.csv', '/etc/passwd', 'org-7//x', 'org-7/./x', 'org-7\\..\\x', '', 'org-7/x\u0000.csv'];
    for (const key of attempts) {
      await expect(store.write(key, Readable.from([Buffer.from('x')])), key).rejects.toBeInstanceOf(FileKeyError);
      await expect(store.read(key), key).rejects.toBeInstanceOf(FileKeyError);
      await expect(store.size(key), key).rejects.toBeInstanceOf(FileKeyError);
      await expect(store.remove(key), key).rejects.toBeInstanceOf(FileKeyError);
      await expect(store.localFile(key), key).rejects.toBeInstanceOf(FileKeyError);
    }
    expect(await backend.everything()).toEqual(before);
  });

  test.skipIf(skip)('keeps organizations apart: keys never share a prefix, and a store under another prefix does not see them', async () => {
    const mine = store.newKey(7, 'uploads', 'csv');
    const theirs = store.newKey(8, 'uploads', 'csv');
    expect(mine.split('/')[0]).toBe('org-7');
    expect(theirs.split('/')[0]).toBe('org-8');
    await store.write(theirs, Readable.from([Buffer.from('organization 8 only')]));
    // The same relative key in another deployment's prefix (S3_PREFIX, or another folder) is another file.
    const other = backend.make({ prefix: 'other-deployment/' });
    expect(await other.exists(theirs)).toBe(false);
    await expect(other.read(theirs)).rejects.toBeInstanceOf(FileNotFoundError);
    await other.write(theirs, Readable.from([Buffer.from('other deployment')]));
    expect(await text(await store.read(theirs))).toBe('organization 8 only');
  });

  test.skipIf(skip)('hands readers that need a file on disk one with the same bytes, and cleans up a copy when released', async () => {
    const content = randomBytes(PART + 1);
    const key = store.newKey(7, 'uploads', 'xlsx');
    await store.write(key, Readable.from([content]));
    const local = await store.localFile(key);
    expect(await readFile(local.path)).toEqual(content);
    await local.release();
    // A copy (S3) is gone; the local backend's file is the stored file itself and stays.
    expect(existsSync(local.path)).toBe(store instanceof LocalFileStore);
    expect(await store.exists(key)).toBe(true);
  });

  test.skipIf(skip)('gives a missing file no local copy', async () => {
    if (store instanceof LocalFileStore) return;
    const before = await backend.everything();
    await expect(store.localFile(store.newKey(7, 'uploads', 'xlsx'))).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await backend.everything()).toEqual(before);
  });

  test.skipIf(skip)('hands out direct download links only when configured to (presigned, on S3), and they expire', async () => {
    const key = store.newKey(7, 'exports', 'csv');
    await store.write(key, Readable.from([Buffer.from('a,b\n')]));
    const options = { fileName: 'vendors "2026".csv', contentType: 'text/csv', expiresInSeconds: 60 };
    expect(await store.directDownloadUrl(key, options)).toBeNull();
    const presigning = backend.make({ presigned: true });
    const url = await presigning.directDownloadUrl(key, options);
    if (store instanceof LocalFileStore) return expect(url).toBeNull();
    expect(url).toMatch(/X-Amz-Expires=60/);
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a,b\n');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="vendors _2026_.csv"');
    expect(res.headers.get('content-type')).toBe('text/csv');
    // The signature covers the key and the expiry: changed, the link is refused.
    const tampered = new URL(url!);
    tampered.searchParams.set('X-Amz-Expires', '600');
    expect((await fetch(tampered)).status).toBe(403);
  });
});
