import { XMLParser } from 'fast-xml-parser';
import { ParseError, type ZipLimits } from './parser.types.js';
import { checkLayout, checkZipLimits, readZipDirectory, type ZipDirectory, type ZipEntry } from './zip.directory.js';
import { verifyEntry } from './zip.verifier.js';
import { SharedStringsReader } from './xlsx.shared-strings.js';
import { SheetScanner, type SheetScan } from './xlsx.sheet-scan.js';
import { dateStylesOf } from './xlsx.styles.js';

export interface WorkbookSheet {
  name: string;
  /** 1-based position among the workbook's sheets (tab order). */
  position: number;
  /** Path inside the archive, e.g. "xl/worksheets/sheet1.xml". */
  path: string;
  entry: ZipEntry;
  /** "visible", "hidden" or "veryHidden". */
  state: string;
  scan: SheetScan;
}

export interface XlsxPackage {
  sheets: WorkbookSheet[];
  date1904: boolean;
  /** sharedStrings.xml items (empty when the workbook has none). */
  sharedStrings: (string | null)[];
  /** For each cell format, whether it shows numbers as dates (styles.xml). */
  dateStyles: boolean[];
}

const WORKBOOK = 'xl/workbook.xml';
const WORKBOOK_RELS = 'xl/_rels/workbook.xml.rels';
/** workbook.xml and its rels are read whole: a few KiB normally; more than this is not a workbook. */
const MAX_PART_BYTES = 8 * 1024 * 1024;
/** styles.xml is read whole too; workbooks with thousands of formats reach a few MiB. */
const MAX_STYLES_BYTES = 64 * 1024 * 1024;
/** Relationship types (the end of the Type URI) of the workbook's parts read here. */
const SHEET_TYPE = /\/worksheet$/;
const STYLES_TYPE = /\/styles$/;
const SHARED_STRINGS_TYPE = /\/sharedStrings$/;

/** The parts an XLSX must have; a ZIP without them is some other document. */
export function isXlsxDirectory(directory: ZipDirectory): boolean {
  const names = new Set(directory.entries.map((e) => e.name));
  return names.has('[Content_Types].xml') && names.has(WORKBOOK);
}

export function notXlsx(directory: ZipDirectory): ParseError {
  const names = new Set(directory.entries.map((e) => e.name));
  const what = names.has('xl/workbook.bin')
    ? 'a binary workbook (.xlsb); save it as .xlsx'
    : names.has('word/document.xml')
      ? 'a Word document'
      : 'a ZIP archive without a workbook';
  return new ParseError(`This file is ${what}, not an Excel workbook`, { reason: 'NOT_XLSX', detected: what });
}

const partParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // `r:id` is the relationship id; the prefix varies between writers.
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  isArray: (name) => name === 'sheet' || name === 'Relationship',
});

interface WorkbookPart {
  workbook?: {
    workbookPr?: { '@date1904'?: string };
    sheets?: { sheet?: { '@name'?: string; '@id'?: string; '@state'?: string }[] };
  };
}

interface RelsPart {
  Relationships?: { Relationship?: { '@Id'?: string; '@Type'?: string; '@Target'?: string; '@TargetMode'?: string }[] };
}

async function readPart(path: string, entry: ZipEntry, signal: AbortSignal | undefined, maxBytes = MAX_PART_BYTES): Promise<string> {
  if (entry.uncompressedSize > maxBytes) {
    throw new ParseError(`The workbook is damaged: "${entry.name}" is implausibly large`, { reason: 'CORRUPT_XLSX' });
  }
  const chunks: Buffer[] = [];
  await verifyEntry(path, entry, (chunk) => chunks.push(chunk), signal);
  return Buffer.concat(chunks).toString('utf8');
}

function parsePart<T>(name: string, xml: string): T {
  try {
    return partParser.parse(xml, true) as T;
  } catch (error) {
    throw new ParseError(`The workbook is damaged: "${name}" is not valid XML`, { reason: 'CORRUPT_XLSX' }, { cause: error });
  }
}

function resolveTarget(target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = ['xl'];
  for (const segment of target.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.' && segment !== '') parts.push(segment);
  }
  return parts.join('/');
}

/**
 * Everything known before a sheet is read: the directory passes the size limits and the layout
 * check, every entry inflates to exactly its declared size with the right CRC (ZIP-bomb and
 * corruption check, one streaming pass), and on the way worksheets are scanned (values, merged
 * cells) and the shared strings loaded; the sheet list and date system come from workbook.xml,
 * the date formats from styles.xml.
 */
export async function inspectXlsx(path: string, fileSize: number, limits: ZipLimits, signal?: AbortSignal): Promise<XlsxPackage> {
  const directory = await readZipDirectory(path, fileSize);
  if (!isXlsxDirectory(directory)) throw notXlsx(directory);
  checkZipLimits(directory, limits);
  await checkLayout(path, directory);

  const byName = new Map(directory.entries.map((e) => [e.name, e]));
  const workbookXml = await readPart(path, byName.get(WORKBOOK)!, signal);
  const relsEntry = byName.get(WORKBOOK_RELS);
  if (!relsEntry) throw new ParseError('The workbook is damaged: it has no sheet relationships', { reason: 'CORRUPT_XLSX' });
  const relsXml = await readPart(path, relsEntry, signal);

  const workbook = parsePart<WorkbookPart>(WORKBOOK, workbookXml).workbook;
  const rels = (parsePart<RelsPart>(WORKBOOK_RELS, relsXml).Relationships?.Relationship ?? []).filter((r) => r['@TargetMode'] !== 'External');
  const targets = new Map(rels.map((r) => [r['@Id'] ?? '', { path: resolveTarget(r['@Target'] ?? ''), type: r['@Type'] ?? '' }]));
  const partOf = (type: RegExp, fallback: string): ZipEntry | undefined => {
    const rel = rels.find((r) => type.test(r['@Type'] ?? ''));
    return byName.get(rel ? resolveTarget(rel['@Target'] ?? '') : fallback);
  };
  const date1904Flag = workbook?.workbookPr?.['@date1904'];
  const date1904 = date1904Flag === '1' || date1904Flag === 'true';

  const scanners = new Map<string, SheetScanner>();
  const declared = workbook?.sheets?.sheet ?? [];
  const sheets: WorkbookSheet[] = [];
  for (const [i, sheet] of declared.entries()) {
    const target = targets.get(sheet['@id'] ?? '');
    const entry = target && byName.get(target.path);
    // Chart and dialog sheets hold no cells; a dangling reference holds nothing.
    if (!target || !entry || !SHEET_TYPE.test(target.type)) continue;
    const scanner = scanners.get(target.path) ?? new SheetScanner();
    scanners.set(target.path, scanner);
    sheets.push({ name: sheet['@name'] ?? `Sheet${i + 1}`, position: i + 1, path: target.path, entry, state: sheet['@state'] ?? 'visible', scan: scanner.result });
  }

  const stylesEntry = partOf(STYLES_TYPE, 'xl/styles.xml');
  const dateStyles = stylesEntry ? dateStylesOf(await readPart(path, stylesEntry, signal, MAX_STYLES_BYTES), stylesEntry.name) : [];
  const stringsEntry = partOf(SHARED_STRINGS_TYPE, 'xl/sharedStrings.xml');
  const strings = stringsEntry ? new SharedStringsReader(stringsEntry.name) : undefined;

  for (const entry of directory.entries) {
    if (entry === byName.get(WORKBOOK) || entry === relsEntry || entry === stylesEntry) continue;
    const scanner = scanners.get(entry.name);
    const observer = scanner ? (chunk: Buffer) => scanner.write(chunk) : entry === stringsEntry ? (chunk: Buffer) => strings!.write(chunk) : undefined;
    await verifyEntry(path, entry, observer, signal);
    scanner?.end();
  }
  return { sheets, date1904, sharedStrings: strings?.end() ?? [], dateStyles };
}
