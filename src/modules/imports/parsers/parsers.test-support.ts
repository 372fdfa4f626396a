import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createDeflateRaw, crc32 } from 'node:zlib';
import { afterAll, beforeAll, expect } from 'vitest';
import { ParseError, type CellValue, type ParsedFile, type ParsedRow } from './parser.types.js';

/*
 * Helpers for the parser suites (not a test file itself; excluded from the build): temp
 * files, draining a ParsedFile, and a tiny ZIP writer that streams entries to disk, so a 300 MB
 * bomb costs no memory to make.
 */

export interface TempDir {
  dir: string;
  file(name: string, content: string | Uint8Array): Promise<string>;
  path(name: string): string;
  remove(): Promise<void>;
}

export async function tempDir(prefix = 'trestle-parsers-'): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    file: async (name, content) => {
      const target = path.join(dir, name);
      await writeFile(target, content);
      return target;
    },
    path: (name) => path.join(dir, name),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function allRows(file: ParsedFile): Promise<ParsedRow[]> {
  const rows: ParsedRow[] = [];
  for await (const row of file.rows) rows.push(row);
  return rows;
}

export async function allValues(file: ParsedFile): Promise<CellValue[][]> {
  return (await allRows(file)).map((r) => r.values);
}

/** A ZIP entry: literal bytes, or `zeros` bytes of zeros produced on the fly. */
export interface ZipSource {
  name: string;
  data?: Uint8Array | string;
  zeros?: number;
  /** Write this as the uncompressed size instead of the true one (a lying archive). */
  declaredSize?: number;
  /** Store instead of deflate. */
  stored?: boolean;
}

async function* chunksOf(source: ZipSource): AsyncGenerator<Buffer> {
  if (source.zeros !== undefined) {
    const block = Buffer.alloc(1024 * 1024);
    for (let left = source.zeros; left > 0; left -= block.length) yield left >= block.length ? block : block.subarray(0, left);
  } else {
    yield Buffer.from(source.data ?? '');
  }
}

/** Writes a ZIP archive entry by entry, patching each local header once its sizes are known. */
export async function writeZip(target: string, sources: ZipSource[]): Promise<void> {
  const handle = await open(target, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  try {
    for (const source of sources) {
      const name = Buffer.from(source.name, 'utf8');
      const header = Buffer.alloc(30);
      await handle.write(header, 0, 30, offset);
      await handle.write(name, 0, name.length, offset + 30);
      const dataStart = offset + 30 + name.length;
      let crc = 0;
      let size = 0;
      let compressed = 0;
      const method = source.stored ? 0 : 8;
      const input = chunksOf(source);
      const counted = async function* (): AsyncGenerator<Buffer> {
        for await (const chunk of input) {
          crc = crc32(chunk, crc);
          size += chunk.length;
          yield chunk;
        }
      };
      const output: AsyncIterable<Buffer> = source.stored ? counted() : Readable.from(counted()).pipe(createDeflateRaw({ level: 9 }));
      for await (const chunk of output) {
        await handle.write(chunk, 0, chunk.length, dataStart + compressed);
        compressed += chunk.length;
      }
      const declared = source.declaredSize ?? size;
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt16LE(0x800, 6);
      header.writeUInt16LE(method, 8);
      header.writeUInt32LE(crc >>> 0, 14);
      header.writeUInt32LE(compressed, 18);
      header.writeUInt32LE(declared, 22);
      header.writeUInt16LE(name.length, 26);
      await handle.write(header, 0, 30, offset);

      const entry = Buffer.alloc(46);
      entry.writeUInt32LE(0x02014b50, 0);
      entry.writeUInt16LE(20, 4);
      entry.writeUInt16LE(20, 6);
      entry.writeUInt16LE(0x800, 8);
      entry.writeUInt16LE(method, 10);
      entry.writeUInt32LE(crc >>> 0, 16);
      entry.writeUInt32LE(compressed, 20);
      entry.writeUInt32LE(declared, 24);
      entry.writeUInt16LE(name.length, 28);
      entry.writeUInt32LE(offset, 42);
      central.push(entry, name);
      offset = dataStart + compressed;
    }
    const directory = Buffer.concat(central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(sources.length, 8);
    end.writeUInt16LE(sources.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    await handle.write(directory, 0, directory.length, offset);
    await handle.write(end, 0, end.length, offset + directory.length);
  } finally {
    await handle.close();
  }
}

/** The smallest parts that make a ZIP an XLSX, around one worksheet. */
export function minimalXlsxParts(sheet: ZipSource): ZipSource[] {
  return [
    {
      name: '[Content_Types].xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    },
    {
      name: 'xl/workbook.xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>',
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    },
    { ...sheet, name: 'xl/worksheets/sheet1.xml' },
  ];
}

export function sheetXml(rows: string[][]): string {
  const cells = rows
    .map(
      (row, r) =>
        `<row r="${r + 1}">${row.map((v, c) => `<c r="${String.fromCharCode(65 + c)}${r + 1}" t="inlineStr"><is><t>${v}</t></is></c>`).join('')}</row>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${cells}</sheetData></worksheet>`;
}

/** Reads a file fully (tests only; small files). */
export async function readAll(file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A temporary folder for one suite, removed after it. */
export function useTempDir(): TempDir {
  let tmp: TempDir | undefined;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(async () => {
    await tmp?.remove();
  });
  return {
    get dir() {
      return tmp!.dir;
    },
    file: (name, content) => tmp!.file(name, content),
    path: (name) => tmp!.path(name),
    remove: () => tmp!.remove(),
  };
}

/** The ParseError a promise rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<ParseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ParseError);
  return error as ParseError;
}
