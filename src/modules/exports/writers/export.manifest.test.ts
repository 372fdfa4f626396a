import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, manifestJson, MANIFEST_FILE_NAME, writeZip, type ManifestInput } from './export.manifest.js';
import { createWriter } from './export.writer.js';
import type { ExportField } from './writer.types.js';

const FIELDS: ExportField[] = [
  { key: 'number', label: 'Invoice Number', type: 'string' },
  { key: 'amount', label: 'Amount', type: 'money' },
];
const SHA = 'a'.repeat(64);

function input(overrides: Partial<ManifestInput> = {}): ManifestInput {
  return {
    exportId: 42n,
    organizationId: 7,
    entityType: 'invoices',
    filters: { projectId: '3', since: new Date('2024-01-01T00:00:00Z') },
    createdAt: new Date('2024-06-01T12:00:00Z'),
    schemaVersion: 1,
    fields: FIELDS,
    files: [
      { name: 'invoices.csv', rows: 2, bytes: 100, sha256: SHA },
      { name: 'invoices.xlsx', rows: 2, bytes: 5000, sha256: SHA },
    ],
    ...overrides,
  };
}

describe('buildManifest', () => {
  it('documents the export: ids as strings, ISO time, JSON-shaped filters, files and totals', () => {
    const manifest = buildManifest(input());
    expect(manifest).toEqual({
      manifestVersion: 1,
      generator: 'Trestle',
      exportId: '42',
      organizationId: '7',
      entityType: 'invoices',
      schemaVersion: 1,
      createdAt: '2024-06-01T12:00:00.000Z',
      filters: { projectId: '3', since: '2024-01-01T00:00:00.000Z' },
      fields: FIELDS,
      files: [
        { name: 'invoices.csv', rows: 2, bytes: 100, sha256: SHA },
        { name: 'invoices.xlsx', rows: 2, bytes: 5000, sha256: SHA },
      ],
      totals: { files: 2, rows: 4, bytes: 5100 },
    });
    expect(JSON.parse(manifestJson(manifest))).toEqual(manifest);
  });

  it('refuses bad file entries and dates', () => {
    expect(() => buildManifest(input({ files: [{ name: 'a.csv', rows: 1, bytes: 1, sha256: 'ABC' }] }))).toThrow(/sha256/);
    expect(() => buildManifest(input({ files: [{ name: 'a.csv', rows: -1, bytes: 1, sha256: SHA }] }))).toThrow(/non-negative/);
    expect(() => buildManifest(input({ files: [{ name: 'a.csv', rows: 1, bytes: 1, sha256: SHA }, { name: 'a.csv', rows: 1, bytes: 1, sha256: SHA }] }))).toThrow(/twice/);
    expect(() => buildManifest(input({ createdAt: 'yesterday' }))).toThrow(/createdAt/);
  });
});

const unzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('writeZip', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'trestle-zip-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!unzip)('packs data files and manifest.json; the archive is hashed as written', async () => {
    const files = [];
    for (const format of ['csv', 'xlsx'] as const) {
      const file = path.join(dir, `invoices.${format}`);
      const writer = await createWriter(format, FIELDS, file);
      await writer.write({ number: 'INV-1', amount: '12.50' });
      await writer.write({ number: 'INV-2 ünï', amount: -3 });
      files.push({ name: `invoices.${format}`, path: file, ...(await writer.close()) });
    }
    const manifest = buildManifest(input({ files: files.map(({ name, rows, bytes, sha256 }) => ({ name, rows, bytes, sha256 })) }));
    const zipPath = path.join(dir, 'export.zip');
    const result = await writeZip(zipPath, [...files.map(({ name, path: p }) => ({ name, path: p })), { name: MANIFEST_FILE_NAME, content: manifestJson(manifest) }]);

    const bytes = await readFile(zipPath);
    expect(result).toEqual({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(() => execFileSync('unzip', ['-tq', zipPath])).not.toThrow();
    const listing = execFileSync('unzip', ['-Z1', zipPath], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual(['invoices.csv', 'invoices.xlsx', 'manifest.json']);
    // Every file in the archive is the file the manifest describes.
    for (const f of manifest.files) {
      const inside = execFileSync('unzip', ['-p', zipPath, f.name], { maxBuffer: 1 << 26 });
      expect(createHash('sha256').update(inside).digest('hex')).toBe(f.sha256);
      expect(inside.length).toBe(f.bytes);
    }
    expect(JSON.parse(execFileSync('unzip', ['-p', zipPath, MANIFEST_FILE_NAME], { encoding: 'utf8' }))).toEqual(manifest);
  });

  it('refuses unsafe or colliding names before writing anything', async () => {
    const zipPath = path.join(dir, 'bad.zip');
    await expect(writeZip(zipPath, [{ name: '../escape.txt', content: 'x' }])).rejects.toThrow(/invalid relative path/);
    await expect(writeZip(zipPath, [{ name: '/etc/passwd', content: 'x' }])).rejects.toThrow(/absolute/);
    await expect(writeZip(zipPath, [{ name: 'Data.csv', content: 'x' }, { name: 'data.csv', content: 'y' }])).rejects.toThrow(/twice/);
    expect(existsSync(zipPath)).toBe(false);
  });

  it('fails, leaving no partial archive, when an input file is missing', async () => {
    const zipPath = path.join(dir, 'missing.zip');
    await writeFile(path.join(dir, 'present.txt'), 'here');
    await expect(
      writeZip(zipPath, [
        { name: 'present.txt', path: path.join(dir, 'present.txt') },
        { name: 'absent.csv', path: path.join(dir, 'absent.csv') },
      ]),
    ).rejects.toThrow(/ENOENT/);
    expect(existsSync(zipPath)).toBe(false);
  });
});
