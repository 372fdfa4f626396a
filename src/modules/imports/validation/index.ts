/** Validation of import rows against the record catalog: cell coercion, the row engine, run summaries. */
export {
  coerceValue,
  enumKey,
  excelSerialToIsoDate,
  parseDateText,
  parseNumberText,
  type CanonicalValue,
  type CellValue,
  type CoerceErrorCode,
  type CoerceOptions,
  type CoerceResult,
} from './value.coerce.js';
export {
  checkRowsInChunks,
  DEFAULT_CHUNK_ROWS,
  isFailed,
  ISSUE_CODES,
  RowValidator,
  VALUE_PREVIEW_CHARS,
  type CheckedRow,
  type IssueCode,
  type ReferenceLookup,
  type RowInput,
  type RowIssue,
  type RowValidatorOptions,
} from './validation.engine.js';
export { DEFAULT_KEPT_ISSUES, ValidationSummary, type IssueCounts, type ValidationReport } from './validation.summary.js';
