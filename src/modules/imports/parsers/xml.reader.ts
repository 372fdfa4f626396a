import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { uploadedXmlOptions } from '../../../platform/xml/predefined-entities.js';
import type { FileHead } from '../../../platform/text/text.file.js';
import { DEFAULT_MAX_RECORD_BYTES, MAX_NESTING, ParseError, type ParsedFile, type ParseOptions } from './parser.types.js';
import { openKeyedRecords, type KeyedRecord } from './record.columns.js';
import { detectEncoding, normalizeEncoding, type DetectedEncoding } from '../../../platform/text/text.encoding.js';
import { decideFileEncoding, readDecodedText } from '../../../platform/text/text.file.js';
import { RecordCutter, RecordPathFinder } from './xml.records.js';

// Values stay strings: typing is the mapping's job.
const recordParser = new XMLParser({ ...uploadedXmlOptions, ignoreAttributes: false, maxNestedTags: MAX_NESTING });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A record element as flat fields: its attributes (`@id`), its text (`#text`), its child elements
 * by name. A child with only text and attributes gives its text under its name and each attribute
 * as `Name@attr`; a child with children of its own, or a repeated child, gives JSON text.
 */
export function recordFields(parsed: unknown): Record<string, unknown> {
  if (!isPlainObject(parsed)) return parsed === '' || parsed === undefined ? {} : { '#text': parsed };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (isPlainObject(value) && Object.keys(value).every((k) => k === '#text' || k.startsWith('@'))) {
      fields[key] = value['#text'] ?? '';
      for (const [attr, attrValue] of Object.entries(value)) if (attr !== '#text') fields[`${key}${attr}`] = attrValue;
    } else {
      fields[key] = value;
    }
  }
  return fields;
}

function parseRecord(text: string, rowNumber: number): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new ParseError(`Record ${rowNumber} is not well-formed XML: ${valid.err.msg}`, { reason: 'INVALID_XML', rowNumber });
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = recordParser.parse(text) as Record<string, unknown>;
  } catch (error) {
    // fast-xml-parser refuses elements nested deeper than maxNestedTags with a plain Error.
    if (error instanceof Error && /nested tags/i.test(error.message)) {
      throw new ParseError(`Record ${rowNumber} nests elements more than ${MAX_NESTING} levels deep`, { reason: 'NESTING_TOO_DEEP', rowNumber }, { cause: error });
    }
    throw new ParseError(`Record ${rowNumber} cannot be read as XML`, { reason: 'INVALID_XML', rowNumber }, { cause: error });
  }
  const [element] = Object.values(parsed);
  return recordFields(element);
}

/** BOM first, then the XML declaration's encoding, then detection as for text (on the whole file). */
async function xmlEncoding(path: string, head: FileHead, forced: string | undefined, signal: AbortSignal | undefined): Promise<DetectedEncoding> {
  const detected = detectEncoding(head.bytes, forced);
  if (forced !== undefined || detected.source === 'bom' || detected.encoding.startsWith('utf-16')) return detected;
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head.bytes.toString('latin1', 0, 200))?.[1];
  if (declared === undefined) return decideFileEncoding(path, head, undefined, signal);
  const encoding = normalizeEncoding(declared);
  if (!encoding) throw new ParseError(`The XML declares encoding "${declared}", which is not supported`, { reason: 'UNSUPPORTED_ENCODING' });
  return { encoding, bomLength: 0, source: 'detected' };
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/**
 * Opens an XML file: the record path is given or detected (RecordPathFinder, a first pass that
 * stops early), then a second pass cuts out each record element and parses it alone with
 * fast-xml-parser. Values are strings. Row numbers are the records' 1-based indexes.
 */
export async function openXml(path: string, head: FileHead, options: ParseOptions = {}): Promise<ParsedFile> {
  const limits = { maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES };
  const encoding = await xmlEncoding(path, head, options.encoding, options.signal);
  const signal = options.signal;

  let recordPath = options.recordPath === undefined ? undefined : splitPath(options.recordPath);
  if (!recordPath || recordPath.length === 0) {
    const finder = new RecordPathFinder(limits);
    for await (const chunk of readDecodedText(path, encoding, { signal })) {
      finder.feed(chunk);
      if (finder.isStopped) break;
    }
    finder.finish();
    recordPath = finder.result();
    if (!recordPath) throw new ParseError('The XML has no elements below its root', { reason: 'RECORD_PATH_NOT_FOUND' });
  }

  const info: Record<string, string | number> = { format: 'xml', encoding: encoding.encoding, recordPath: recordPath.join('/') };
  const cutter = new RecordCutter(recordPath, limits);

  async function* records(): AsyncGenerator<KeyedRecord, void, undefined> {
    let rowNumber = 0;
    for await (const chunk of readDecodedText(path, encoding, { signal })) {
      for (const text of cutter.take(chunk)) {
        rowNumber++;
        yield { rowNumber, fields: parseRecord(text, rowNumber), size: text.length };
      }
    }
    cutter.finish();
    info.recordPath = cutter.recordPath();
    if (rowNumber === 0 && options.recordPath !== undefined) {
      throw new ParseError(`No element at "${options.recordPath}"`, { reason: 'RECORD_PATH_NOT_FOUND' });
    }
  }

  return openKeyedRecords(records(), { format: 'xml', info, signal: options.signal });
}
