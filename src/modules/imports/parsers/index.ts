import { openCsv } from './csv.reader.js';
import { normalizeEncoding } from '../../../platform/text/text.encoding.js';
import { readHead } from '../../../platform/text/text.file.js';
import { detectFormat, formatFromName, type DetectedFormat } from './format-sniffer.js';
import { openJson, openNdjson } from './json.reader.js';
import { ParseError, type FileFormat, type ParsedFile, type ParseOptions } from './parser.types.js';
import { openXlsx } from './xlsx.reader.js';
import { openXml } from './xml.reader.js';

export {
  ParseError,
  DEFAULT_MAX_RECORD_BYTES,
  DEFAULT_ZIP_LIMITS,
  FILE_FORMATS,
  type CellValue,
  type FileFormat,
  type ParsedFile,
  type ParsedRow,
  type ParseErrorDetails,
  type ParseErrorReason,
  type ParseOptions,
  type SheetSummary,
  type ZipLimits,
} from './parser.types.js';
export { detectFormat, type DetectedFormat } from './format-sniffer.js';

export interface OpenOptions extends ParseOptions {
  /** The name the file was uploaded under: its extension breaks ties and is reported when it lies. */
  declaredName?: string;
  /** Skip detection and read as this format. */
  format?: FileFormat;
}

/**
 * Opens an uploaded file for streaming: detects the format by content (see detectFormat), then
 * returns headers, detection info and an async iterable of rows. Readable failures are
 * ParseErrors with a reason code, whether they occur while opening or while iterating.
 */
export async function openParsedFile(path: string, options: OpenOptions = {}): Promise<ParsedFile> {
  const { declaredName, format, ...parseOptions } = options;
  if (parseOptions.encoding !== undefined && !normalizeEncoding(parseOptions.encoding)) {
    throw new ParseError(`Unsupported encoding "${parseOptions.encoding}"`, { reason: 'UNSUPPORTED_ENCODING' });
  }
  const detected: DetectedFormat =
    format === undefined
      ? await detectFormat(path, declaredName)
      : { format, declaredFormat: formatFromName(declaredName ?? path), head: await readHead(path) };
  if (format !== undefined && detected.head.size === 0) throw new ParseError('The file is empty', { reason: 'EMPTY_FILE' });

  const file = await open(path, detected, parseOptions);
  if (detected.declaredFormat !== undefined) file.info.declaredFormat = detected.declaredFormat;
  return file;
}

function open(path: string, detected: DetectedFormat, options: ParseOptions): Promise<ParsedFile> {
  const { head } = detected;
  switch (detected.format) {
    case 'csv':
      return openCsv(path, head, options);
    case 'tsv':
      return openCsv(path, head, { ...options, preferTab: true });
    case 'xlsx':
      return openXlsx(path, head.size, options);
    case 'json':
      return openJson(path, head, options);
    case 'ndjson':
      return openNdjson(path, head, options);
    case 'xml':
      return openXml(path, head, options);
  }
}
