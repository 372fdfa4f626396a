import { BadInputError } from '../../../platform/errors/app-error.js';

/** One cell as the import pipeline sees it: typed where the format carries a type (XLSX, JSON). */
export type CellValue = string | number | boolean | Date | null;

export interface ParsedRow {
  /**
   * 1-based number a person finds the record under: the record's row in the file for CSV/XLSX
   * (header = row 1 when it is the first line), the line for NDJSON, the record's index for
   * JSON arrays and XML.
   */
  rowNumber: number;
  /** Aligned with `headers`; may be longer (extra cells) or padded with null (missing cells). */
  values: CellValue[];
}

export type FileFormat = 'csv' | 'tsv' | 'xlsx' | 'json' | 'ndjson' | 'xml';

export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'tsv', 'xlsx', 'json', 'ndjson', 'xml'];

export interface ParseOptions {
  /** XLSX: sheet name or 1-based position among the workbook's sheets; default: see chooseSheet. */
  sheet?: string | number;
  /** XLSX, CSV: 1-based row of the header; default: detected (chooseHeader). */
  headerRow?: number;
  /** XLSX, CSV: how well a row's cells name the target's fields, to tell the header from title rows. */
  headerScore?: (cells: string[]) => number;
  /** XML: path of the repeating record element from the root, e.g. "Vendors/Vendor"; default: detected. */
  recordPath?: string;
  /** CSV: force a delimiter; default: detected among , ; \t | */
  delimiter?: string;
  /** CSV/JSON/XML: force an encoding (utf-8, utf-16le, utf-16be, windows-1252, latin1); default: detected. */
  encoding?: string;
  /** A single record (CSV record, JSON element, NDJSON line, XML record element) larger than this fails. */
  maxRecordBytes?: number;
  /** XLSX: refuse archives beyond these sizes (defaults: 200 MiB per entry, 500 MiB in all, ratio 100). */
  zipLimits?: Partial<ZipLimits>;
  signal?: AbortSignal;
}

export interface ZipLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio for entries above `ratioThresholdBytes`. */
  maxRatio: number;
  ratioThresholdBytes: number;
}

export interface ParsedFile {
  format: FileFormat;
  /**
   * Column names. JSON/XML: the union of keys over the first records; a key first seen later is
   * appended while rows are iterated, so rows may carry more values than `headers` had at open.
   */
  headers: string[];
  /** Row number of the header (XLSX may find it below title rows). 0 when the format has no header row. */
  headerRowNumber: number;
  /** Single pass: iterate once; breaking out of the loop closes the file. */
  rows: AsyncIterable<ParsedRow>;
  /**
   * The same rows in arrays, where a reader has them so (CSV: the rows of each decoded chunk):
   * one await per array rather than per row. Iterate either this or `rows`, not both.
   */
  batches?: AsyncIterable<ParsedRow[]>;
  /**
   * What was detected: format, declaredFormat, encoding, delimiter, sheet, recordPath, ... Readers
   * may add counters (e.g. `encodingFallbackBytes`) when the iteration ends.
   */
  info: Record<string, string | number>;
  /** Releases the file without iterating to the end (breaking out of a for-await loop does too). */
  close(): Promise<void>;
  /** XLSX: the workbook's sheets, for a person to choose another. */
  sheets?: SheetSummary[];
  /** What a person should know about how the file was read (a hidden sheet taken, …). */
  warnings?: string[];
}

export interface SheetSummary {
  name: string;
  /** 1-based position among the workbook's sheets. */
  position: number;
  /** visible, hidden or veryHidden. */
  state: string;
  /** Rows of the sheet's used range as the workbook states it; null when it does not. */
  rowCount: number | null;
  /** Whether the sheet holds values in at least two rows (a header and data). */
  hasData: boolean;
}

export type ParseErrorReason =
  | 'EMPTY_FILE'
  | 'UNSUPPORTED_FORMAT'
  | 'UNSUPPORTED_ENCODING'
  | 'NOT_XLSX'
  | 'CORRUPT_XLSX'
  | 'ZIP_BOMB'
  | 'SHEET_NOT_FOUND'
  | 'RECORD_TOO_LARGE'
  | 'UNTERMINATED_QUOTE'
  | 'ENTITY_EXPANSION'
  | 'INVALID_XML'
  | 'RECORD_PATH_NOT_FOUND'
  | 'MIXED_ENCODING'
  | 'INVALID_JSON'
  | 'NESTING_TOO_DEEP'
  | 'NO_HEADER';

export interface ParseErrorDetails {
  reason: ParseErrorReason;
  rowNumber?: number;
  /** UNSUPPORTED_FORMAT: what the file is ("a PDF document"). */
  detected?: string;
}

/**
 * A file the import cannot read, with a reason code the UI can translate. A BadInputError so the
 * GraphQL layer reports it as the caller's problem (BAD_USER_INPUT) with `reason` and `rowNumber`.
 */
export class ParseError extends BadInputError {
  readonly details: ParseErrorDetails;

  constructor(message: string, details: ParseErrorDetails, options: { cause?: unknown } = {}) {
    super(message, { ...details });
    this.details = details;
    if (options.cause !== undefined) this.cause = options.cause;
  }

  get reason(): ParseErrorReason {
    return this.details.reason;
  }
}

export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/**
 * Deepest nesting a record may have: JSON objects and arrays, XML elements (the record itself is
 * level 1). Records are flattened to columns and nested values become text; a file nested deeper
 * than this is not a table, and parsing or serialising it recursively would exhaust the stack.
 */
export const MAX_NESTING = 100;

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntryBytes: 200 * 1024 * 1024,
  maxTotalBytes: 500 * 1024 * 1024,
  maxRatio: 100,
  ratioThresholdBytes: 1024 * 1024,
};
