import { XMLParser } from 'fast-xml-parser';
import { ParseError, type ZipLimits } from './parser.types.js';
import { checkLayout, checkZipLimits, readZipDirectory, type ZipDirectory, type ZipEntry } from './zip.directory.js';
import { verifyEntry } from './zip.verifier.js';
import { SheetScanner, type SheetScan } from './xlsx.sheet-scan.js';

export interface WorkbookSheet {
  name: string;
  /** 1-based position among the workbook's sheets (tab order). */
  position: number;
  /** Path inside the archive, e.g. "xl/worksheets/sheet1.xml". */
  path: string;
  /** "visible", "hidden" or "veryHidden". */
  state: string;
  scan: SheetScan;
}

export interface XlsxPackage {
  sheets: WorkbookSheet[];
  date1904: boolean;
}

const WORKBOOK = 'xl/workbook.xml';
const WORKBOOK_RELS = 'xl/_rels/workbook.xml.rels';
/** workbook.xml and its rels are read whole: a few KiB normally; more than this is not a workbook. */
const MAX_PART_BYTES = 8 * 1024 * 1024;

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
  return new ParseError(`The file is ${what}, not an Excel workbook`, { reason: 'NOT_XLSX' });
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
  Relationships?: { Relationship?: { '@Id'?: string; '@Target'?: string }[] };
}

async function readPart(path: string, entry: ZipEntry, signal: AbortSignal | undefined): Promise<string> {
  if (entry.uncompressedSize > MAX_PART_BYTES) {
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
 * Everything known before the XLSX library runs: the directory passes the size limits and the
 * layout check, every entry inflates to exactly its declared size with the right CRC (ZIP-bomb
 * and corruption check, one streaming pass), worksheets are scanned on the way, and the sheet
 * list and date system come from workbook.xml.
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
  const rels = parsePart<RelsPart>(WORKBOOK_RELS, relsXml).Relationships?.Relationship ?? [];
  const targets = new Map(rels.map((r) => [r['@Id'] ?? '', resolveTarget(r['@Target'] ?? '')]));
  const date1904Flag = workbook?.workbookPr?.['@date1904'];
  const date1904 = date1904Flag === '1' || date1904Flag === 'true';

  const scanners = new Map<string, SheetScanner>();
  const declared = workbook?.sheets?.sheet ?? [];
  const sheets: WorkbookSheet[] = [];
  for (const [i, sheet] of declared.entries()) {
    const target = targets.get(sheet['@id'] ?? '');
    if (!target || !byName.has(target)) continue; // chart sheets and dangling references
    const scanner = new SheetScanner();
    scanners.set(target, scanner);
    sheets.push({ name: sheet['@name'] ?? `Sheet${i + 1}`, position: i + 1, path: target, state: sheet['@state'] ?? 'visible', scan: scanner.result });
  }

  for (const entry of directory.entries) {
    if (entry.name === WORKBOOK || entry.name === WORKBOOK_RELS) continue;
    const scanner = scanners.get(entry.name);
    await verifyEntry(path, entry, scanner ? (chunk) => scanner.write(chunk) : undefined, signal);
    scanner?.end();
  }
  return { sheets, date1904 };
}
