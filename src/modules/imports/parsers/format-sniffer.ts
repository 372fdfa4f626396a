import path from 'node:path';
import { detectDelimiter, NewlineNormalizer } from './csv.dialect.js';
import { readHead, type FileHead } from '../../../platform/text/text.file.js';
import { ParseError, type FileFormat } from './parser.types.js';
import { createChunkDecoder, detectEncoding } from '../../../platform/text/text.encoding.js';
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

/**
 * Files people upload by mistake, by their signature (the first bytes), and what to call them.
 * A short table of our own: the text formats must be sniffed here anyway, and these few
 * signatures are all an import needs to name what it refuses.
 */
const FOREIGN: ReadonlyArray<{ magic: number[]; what: string; advice?: string }> = [
  {
    magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    what: 'a legacy Office file (an Excel 97-2003 .xls workbook, a password-protected workbook, or a Word or Outlook file)',
    advice: 'save it as .xlsx without a password',
  },
  { magic: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document', advice: 'export the data as CSV or XLSX' },
  { magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { magic: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { magic: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { magic: [0x1f, 0x8b], what: 'a gzip archive', advice: 'unpack it and upload the file inside' },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive', advice: 'unpack it and upload the file inside' },
  { magic: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], what: 'a RAR archive', advice: 'unpack it and upload the file inside' },
  { magic: [0x7b, 0x5c, 0x72, 0x74, 0x66], what: 'an RTF document', advice: 'export the data as CSV or XLSX' },
  { magic: [0x4d, 0x5a], what: 'a Windows program' },
  { magic: [0x7f, 0x45, 0x4c, 0x46], what: 'a program (ELF)' },
];

/** The error naming what a file is, when it is not something we import. */
export function unsupported(what: string, advice = 'upload CSV, TSV, XLSX, JSON, NDJSON or XML'): ParseError {
  return new ParseError(`This file is ${what}; ${advice}`, { reason: 'UNSUPPORTED_FORMAT', detected: what });
}

/** Text that is a web page, or an Excel 2003 XML spreadsheet: XML-like, but not data we read as XML. */
function foreignMarkup(content: string): string | undefined {
  const start = content.slice(0, 4096).toLowerCase();
  if (/^<!doctype html|^<html[\s>]/.test(start) || (/^<\?xml/.test(start) && /<html[\s>]/.test(start))) return 'an HTML page';
  if (start.includes('progid="excel.sheet"') || start.includes('urn:schemas-microsoft-com:office:spreadsheet')) return 'an Excel 2003 XML spreadsheet';
  return undefined;
}

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

/** Whether text splits into at least two columns on most of its first lines. */
function isTable(content: string, delimiter: string, wholeFile: boolean): boolean {
  const lines = content.split('\n');
  if (!wholeFile) lines.pop();
  const sample = lines.filter((l) => l.trim() !== '').slice(0, 50);
  if (sample.length === 0) return false;
  const split = sample.filter((l) => l.includes(delimiter)).length;
  return split * 2 > sample.length;
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
  for (const foreign of FOREIGN) if (startsWith(bytes, foreign.magic)) throw unsupported(foreign.what, foreign.advice);

  const encoding = detectEncoding(bytes);
  const text = new NewlineNormalizer().push(createChunkDecoder(encoding.encoding).write(bytes.subarray(encoding.bomLength)));
  if (looksBinary(text)) {
    if (declaredFormat === 'xlsx') {
      throw new ParseError('The file is named .xlsx but is not a workbook (no ZIP container): it is damaged or another kind of file', {
        reason: 'CORRUPT_XLSX',
      });
    }
    throw unsupported('binary data of a kind we do not read');
  }
  const content = text.trimStart();
  if (content === '') throw new ParseError('The file has only blank lines', { reason: 'EMPTY_FILE' });

  const wholeFile = bytes.length === head.size;
  const markup = foreignMarkup(content);
  if (markup) throw unsupported(declaredFormat === undefined ? markup : `${markup} (named .${declaredFormat})`);
  if (content.startsWith('<')) return result('xml');
  // `{"` or a lone `{` opens JSON; `{id},name` is a CSV header that happens to start with a brace.
  if (/^\{\s*(?:"|\n|$)/.test(content)) return result(jsonOrNdjson(content, wholeFile, declaredFormat));
  // `[` and a JSON value (`[{`, `[[`, `["…"`, `[1`, `[true`, `[]`) is JSON whatever the name; `[id],[name]` is a CSV header.
  if (/^\[\s*(?:[{[\]"\-\d]|true\b|false\b|null\b|$)/.test(content)) return result('json');
  const delimiter = detectDelimiter(content, wholeFile, declaredFormat === 'tsv' ? '\t' : undefined);
  // Text named as a workbook is read as CSV only when it is a table; anything else is named.
  if (declaredFormat === 'xlsx' && !isTable(content, delimiter, wholeFile)) throw unsupported('plain text, not an Excel workbook (it is named .xlsx)');
  return result(delimiter === '\t' ? 'tsv' : 'csv');
}
