import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipStream } from './zip.stream.js';

const hasUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trestle-zipstream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeAll(stream: Writable, chunks: readonly Buffer[]): Promise<void> {
  for (const chunk of chunks) if (!stream.write(chunk)) await once(stream, 'drain');
  stream.end();
  await once(stream, 'finish');
}

/** Text that compresses, and random bytes that do not, in uneven chunks. */
function sample(): { text: Buffer[]; binary: Buffer[] } {
  const text = Array.from({ length: 300 }, (_, i) => Buffer.from(`row ${i},Ünïcødé 日本語,${'x'.repeat(i % 50)}\r\n`.repeat(40), 'utf8'));
  const binary = Array.from({ length: 20 }, (_, i) => randomBytes(1000 + i * 997));
  return { text, binary };
}

describe('ZipStream', () => {
  it.skipIf(!hasUnzip)('writes deflated and stored entries as they are produced, then texts; unzip reads them back byte for byte', async () => {
    const zipPath = path.join(dir, 'a.zip');
    const zip = ZipStream.open(zipPath);
    const { text, binary } = sample();
    const data = zip.entry('data/rows.csv', 1);
    const stored = zip.entry('blob.bin', 0);
    // The second entry is written while the first is still open: it waits its turn.
    const writing = Promise.all([writeAll(data, text), writeAll(stored, binary)]);
    zip.addText('manifest.json', '{"ok":true}\n');
    await writing;
    const result = await zip.close();

    const bytes = await readFile(zipPath);
    expect(result).toEqual({ bytes: bytes.length, sha256: sha256(bytes) });
    expect(() => execFileSync('unzip', ['-tq', zipPath])).not.toThrow();
    expect(execFileSync('unzip', ['-Z1', zipPath], { encoding: 'utf8' }).trim().split('\n')).toEqual(['data/rows.csv', 'blob.bin', 'manifest.json']);
    expect(sha256(execFileSync('unzip', ['-p', zipPath, 'data/rows.csv'], { maxBuffer: 1 << 26 }))).toBe(sha256(Buffer.concat(text)));
    expect(sha256(execFileSync('unzip', ['-p', zipPath, 'blob.bin'], { maxBuffer: 1 << 26 }))).toBe(sha256(Buffer.concat(binary)));
    expect(execFileSync('unzip', ['-p', zipPath, 'manifest.json'], { encoding: 'utf8' })).toBe('{"ok":true}\n');
    const listing = execFileSync('unzip', ['-v', zipPath], { encoding: 'utf8' });
    expect(listing).toMatch(/Defl:.*data\/rows\.csv/);
    expect(listing).toMatch(/Stored.*blob\.bin/);
  });

  it.skipIf(!hasUnzip)('writes into a stream (an archive inside an archive), ending it on close', async () => {
    const sink = new PassThrough();
    const received: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => received.push(chunk));
    const zip = ZipStream.over(sink);
    await writeAll(zip.entry('empty.txt'), []);
    zip.addText('a.txt', 'a');
    const result = await zip.close();
    expect(sink.writableFinished).toBe(true);
    const bytes = Buffer.concat(received);
    expect(result).toEqual({ bytes: bytes.length, sha256: sha256(bytes) });
    const zipPath = path.join(dir, 'inner.zip');
    await writeFile(zipPath, bytes);
    expect(() => execFileSync('unzip', ['-tq', zipPath])).not.toThrow();
    expect(execFileSync('unzip', ['-p', zipPath, 'empty.txt'], { encoding: 'utf8' })).toBe('');
  });

  it('refuses unsafe or colliding names, and abort leaves no file', async () => {
    const zipPath = path.join(dir, 'bad.zip');
    const zip = ZipStream.open(zipPath);
    expect(() => zip.entry('../escape.txt')).toThrow(/invalid relative path/);
    expect(() => zip.entry('/etc/passwd')).toThrow(/absolute/);
    expect(() => zip.addText('C:\\x.txt', 'x')).toThrow(/invalid ZIP entry name/);
    zip.addText('Data.csv', 'x');
    expect(() => zip.entry('data.csv')).toThrow(/twice/);
    const open = zip.entry('open.csv');
    open.write(Buffer.from('partial'));
    await zip.abort();
    expect(open.destroyed).toBe(true);
    expect(existsSync(zipPath)).toBe(false);
    await expect(zip.close()).rejects.toThrow(/aborted/);
  });

  it('fails a writer waiting on its entry when the archive cannot be written', async () => {
    const zip = ZipStream.open(path.join(dir, 'missing-dir', 'x.zip'));
    const entry = zip.entry('x.csv');
    const failed = once(entry, 'error');
    entry.write(Buffer.alloc(1 << 20));
    const [error] = (await failed) as [Error];
    expect(error.message).toMatch(/ENOENT/);
    await expect(zip.close()).rejects.toThrow(/ENOENT/);
  });
});
