import path from 'node:path';
import { detectDelimiter, NewlineNormalizer } from './csv.dialect.js';
import { readHead, type FileHead } from './file.head.js';
import { ParseError, type FileFormat } from './parser.types.js';
import { createChunkDecoder, detectEncoding } from './text.encoding.js';
import { readZipDirectory } from './zip.directory.js';
import { isXlsxDirectory, notXlsx } from './xlsx.package.js';

export interface DetectedFormat {
  /** What the content is. */
  format: FileFormat;
  /** What the file name said, when it names a format we know. */
  declaredFormat: FileFormat | undefined;
  /** The first 64 KiB and the size, for the reader. */
  head: FileHead;
}

const EXTENSIONS: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.xlsx': 'xlsx',
  '.xlsm': 'xlsx',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.xml': 'xml',
};

export function formatFromName(name: string | undefined): FileFormat | undefined {
  return name === undefined ? undefined : EXTENSIONS[path.extname(name).toLowerCase()];
}

function startsWith(bytes: Buffer, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP = [0x50, 0x4b, 0x05, 0x06];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d];

/** Text has no NUL and few control characters other than tab, CR, LF, FF. */
function looksBinary(text: string): boolean {
  let controls = 0;
  const n = Math.min(text.length, 8192);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) controls++;
  }
  return controls > n * 0.1;
}

function parsesAsObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `{` starts either one JSON document or NDJSON. NDJSON when the first line is a complete object
 * and another object line follows, or when it is the only line and holds no array of records;
 * JSON when the first object spans lines. Undecidable (a first line longer than the head): the
 * name decides, else JSON.
 */
function jsonOrNdjson(text: string, wholeFile: boolean, declared: FileFormat | undefined): FileFormat {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const first = lines[0] ?? '';
  const object = parsesAsObject(first);
  if (object) {
    if (lines.length > 1 && lines[1]!.startsWith('{')) return 'ndjson';
    if (lines.length === 1 && wholeFile) return Object.values(object).some(Array.isArray) && declared !== 'ndjson' ? 'json' : 'ndjson';
    return declared === 'ndjson' ? 'ndjson' : 'json';
  }
  if (lines.length === 1 && !wholeFile) return declared === 'ndjson' ? 'ndjson' : 'json';
  return 'json';
}

/**
 * Decides the format by content; the file name only breaks ties (a .tsv with one column is TSV,
 * a first line too long to judge JSON by). A name that lies is overruled: the caller records
 * `declaredFormat` next to the format found.
 */
export async function detectFormat(filePath: string, declaredName?: string): Promise<DetectedFormat> {
  const head = await readHead(filePath);
  const declaredFormat = formatFromName(declaredName ?? filePath);
  const result = (format: FileFormat): DetectedFormat => ({ format, declaredFormat, head });
  const bytes = head.bytes;
  if (head.size === 0) throw new ParseError('The file is empty', { reason: 'EMPTY_FILE' });

  if (startsWith(bytes, ZIP) || startsWith(bytes, EMPTY_ZIP)) {
    const directory = await readZipDirectory(filePath, head.size);
    if (!isXlsxDirectory(directory)) throw notXlsx(directory);
    return result('xlsx');
  }
  if (startsWith(bytes, OLE2)) {
    throw new ParseError('The file is a legacy Excel (.xls) or password-protected workbook; save it as .xlsx without a password', {
      reason: 'UNSUPPORTED_FORMAT',
    });
  }
  if (startsWith(bytes, PDF)) throw new ParseError('The file is a PDF; export the data as CSV or XLSX', { reason: 'UNSUPPORTED_FORMAT' });

  const encoding = detectEncoding(bytes);
  const text = new NewlineNormalizer().push(createChunkDecoder(encoding.encoding).write(bytes.subarray(encoding.bomLength)));
  if (looksBinary(text)) {
    if (declaredFormat === 'xlsx') {
      throw new ParseError('The file is named .xlsx but is not a workbook (no ZIP container): it is damaged or another kind of file', {
        reason: 'CORRUPT_XLSX',
      });
    }
    throw new ParseError('The file is binary and not a format we read (CSV, TSV, XLSX, JSON, NDJSON, XML)', { reason: 'UNSUPPORTED_FORMAT' });
  }
  const content = text.trimStart();
  if (content === '') throw new ParseError('The file has only blank lines', { reason: 'EMPTY_FILE' });

  const wholeFile = bytes.length === head.size;
  if (content.startsWith('<')) return result('xml');
  // `{"` or a lone `{` opens JSON; `{id},name` is a CSV header that happens to start with a brace.
  if (/^\{\s*(?:"|\n|$)/.test(content)) return result(jsonOrNdjson(content, wholeFile, declaredFormat));
  if (/^\[\s*(?:[{\]]|$)/.test(content)) return result('json');
  const delimiter = detectDelimiter(content, wholeFile, declaredFormat === 'tsv' ? '\t' : undefined);
  return result(delimiter === '\t' ? 'tsv' : 'csv');
}
