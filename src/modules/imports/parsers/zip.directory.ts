import { readRange } from '../../../platform/text/text.file.js';
import { ParseError, type ZipLimits } from './parser.types.js';

/**
 * Reads a ZIP archive's central directory without inflating anything, so an XLSX can be judged
 * (names, sizes, layout) before any library touches it. Only what an XLSX needs: one disk,
 * stored or deflated entries, ZIP64 sizes.
 */

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /** Where the compressed bytes start (after the local header); filled by checkLayout. */
  dataOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  centralDirectoryOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** More entries or a larger directory than any workbook has is refused before it costs memory. */
const MAX_ENTRIES = 10_000;
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

export const FLAG_ENCRYPTED = 0x1;
export const FLAG_DATA_DESCRIPTOR = 0x8;
export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

function corrupt(message: string): ParseError {
  return new ParseError(`The workbook is damaged: ${message}`, { reason: 'CORRUPT_XLSX' });
}

function u64(buffer: Buffer, offset: number): number {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('a ZIP64 size is out of range');
  return Number(value);
}

function findEndOfCentralDirectory(tail: Buffer): number {
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE && i + EOCD_SIZE + tail.readUInt16LE(i + 20) <= tail.length) return i;
  }
  return -1;
}

export async function readZipDirectory(path: string, fileSize: number): Promise<ZipDirectory> {
  const tailLength = Math.min(fileSize, EOCD_SIZE + MAX_COMMENT + 20);
  const tailStart = fileSize - tailLength;
  const tail = await readRange(path, tailStart, tailLength);
  const eocd = findEndOfCentralDirectory(tail);
  if (eocd < 0) throw corrupt('no ZIP end record (truncated or not a ZIP file)');

  if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0) throw corrupt('multi-part ZIP archives are not supported');
  let entryCount = tail.readUInt16LE(eocd + 10);
  let directorySize = tail.readUInt32LE(eocd + 12);
  let directoryOffset = tail.readUInt32LE(eocd + 16);

  if (entryCount === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || tail.readUInt32LE(locator) !== ZIP64_LOCATOR_SIGNATURE) throw corrupt('ZIP64 locator missing');
    const recordOffset = u64(tail, locator + 8);
    const record = await readRange(path, recordOffset, 56);
    if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw corrupt('ZIP64 end record missing');
    entryCount = u64(record, 32);
    directorySize = u64(record, 40);
    directoryOffset = u64(record, 48);
  }

  if (entryCount > MAX_ENTRIES || directorySize > MAX_DIRECTORY_BYTES) {
    throw new ParseError(`The archive lists ${entryCount} entries in ${directorySize} bytes of directory, more than a workbook has`, {
      reason: 'ZIP_BOMB',
    });
  }
  if (directoryOffset + directorySize > fileSize) throw corrupt('the central directory lies beyond the end of the file (truncated?)');

  const directory = await readRange(path, directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let n = 0; n < entryCount; n++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw corrupt('bad central directory record');
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      flags: directory.readUInt16LE(at + 8),
      method: directory.readUInt16LE(at + 10),
      crc32: directory.readUInt32LE(at + 16),
      compressedSize: directory.readUInt32LE(at + 20),
      uncompressedSize: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
      name: directory.toString('utf8', at + 46, at + 46 + nameLength),
      dataOffset: -1,
    };
    applyZip64Extra(entry, directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { entries, centralDirectoryOffset: directoryOffset };
}

/** ZIP64 extra field (id 1): the 64-bit values of the fields that hold 0xFFFFFFFF, in order. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const next = (): number => {
        if (field + 8 > at + 4 + size) throw corrupt('short ZIP64 field');
        const value = u64(extra, field);
        field += 8;
        return value;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + size;
  }
}

/** Refuses an archive whose declared sizes could exhaust memory or disk once inflated. */
export function checkZipLimits(directory: ZipDirectory, limits: ZipLimits): void {
  let total = 0;
  for (const entry of directory.entries) {
    total += entry.uncompressedSize;
    const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    if (entry.uncompressedSize > limits.maxEntryBytes) {
      throw new ParseError(`"${entry.name}" would inflate to ${mib(entry.uncompressedSize)}, above the limit of ${mib(limits.maxEntryBytes)}`, {
        reason: 'ZIP_BOMB',
      });
    }
    if (
      entry.uncompressedSize > limits.ratioThresholdBytes &&
      entry.uncompressedSize > limits.maxRatio * Math.max(1, entry.compressedSize)
    ) {
      const ratio = Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize));
      throw new ParseError(`"${entry.name}" is compressed ${ratio}:1, above the limit of ${limits.maxRatio}:1`, { reason: 'ZIP_BOMB' });
    }
    if (total > limits.maxTotalBytes) {
      throw new ParseError(`The archive would inflate to more than ${mib(limits.maxTotalBytes)}`, { reason: 'ZIP_BOMB' });
    }
  }
}

/**
 * A streaming unzipper reads local headers front to back and never looks at the central
 * directory. So that both views agree, the entries must tile the file from byte 0 up to the
 * directory, each local header naming the same entry with the same method (and sizes, when the
 * local header carries them). Anything else — a truncated file, data smuggled between entries,
 * local sizes that differ from the directory's — is refused. Fills in `dataOffset`.
 */
export async function checkLayout(path: string, directory: ZipDirectory): Promise<void> {
  const ordered = [...directory.entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let expected = 0;
  for (const entry of ordered) {
    if (entry.localHeaderOffset !== expected) throw corrupt(`unexpected bytes before "${entry.name}"`);
    if (entry.flags & FLAG_ENCRYPTED) throw corrupt(`"${entry.name}" is encrypted`);
    if (entry.method !== METHOD_STORED && entry.method !== METHOD_DEFLATED) {
      throw corrupt(`"${entry.name}" uses compression method ${entry.method}`);
    }
    const header = await readRange(path, entry.localHeaderOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw corrupt(`no local header for "${entry.name}"`);
    const nameLength = header.readUInt16LE(26);
    const extraLength = header.readUInt16LE(28);
    const name = (await readRange(path, entry.localHeaderOffset + 30, nameLength)).toString('utf8');
    if (name !== entry.name || header.readUInt16LE(8) !== entry.method) throw corrupt(`local header disagrees with the directory for "${entry.name}"`);
    const localFlags = header.readUInt16LE(6);
    const localCompressed = header.readUInt32LE(18);
    const localUncompressed = header.readUInt32LE(22);
    const sizesInLocalHeader = !(localFlags & FLAG_DATA_DESCRIPTOR) || localCompressed > 0;
    if (
      sizesInLocalHeader &&
      localCompressed !== 0xffffffff &&
      (localCompressed !== entry.compressedSize || localUncompressed !== entry.uncompressedSize)
    ) {
      throw corrupt(`local sizes disagree with the directory for "${entry.name}"`);
    }
    entry.dataOffset = entry.localHeaderOffset + 30 + nameLength + extraLength;
    expected = entry.dataOffset + entry.compressedSize;
    if (localFlags & FLAG_DATA_DESCRIPTOR) expected += await descriptorLength(path, expected, entry);
  }
  if (expected !== directory.centralDirectoryOffset) throw corrupt('unexpected bytes before the central directory');
}

async function descriptorLength(path: string, at: number, entry: ZipEntry): Promise<number> {
  const head = await readRange(path, at, 4);
  const signed = head.length === 4 && head.readUInt32LE(0) === DESCRIPTOR_SIGNATURE ? 4 : 0;
  const wide = entry.compressedSize >= 0xffffffff || entry.uncompressedSize >= 0xffffffff;
  return signed + 4 + (wide ? 16 : 8);
}
