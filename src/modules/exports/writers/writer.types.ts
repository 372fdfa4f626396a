import type { EntityDef, FieldType } from '../../records/index.js';

/** One exported column: the record property read, the header written, and how to type the value. */
export interface ExportField {
  key: string;
  label: string;
  type: FieldType;
}

export type ExportFormat = 'csv' | 'xlsx' | 'json' | 'ndjson' | 'xml';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'xlsx', 'json', 'ndjson', 'xml'];

/** What a finished file is: counted and hashed from the bytes that reached the disk. */
export interface WrittenFile {
  rows: number;
  bytes: number;
  /** Lower-case hex SHA-256 of the file. */
  sha256: string;
}

/**
 * Rows as value arrays: row[i] is the value of fields[i]. Values past the last field are ignored
 * (the export reader puts the id there).
 */
export type RowBatch = ReadonlyArray<readonly unknown[]>;

export interface RecordWriter {
  /**
   * Appends one record. Resolves once the writer can take more: awaiting every call keeps memory
   * bounded whatever the disk's speed. Properties not among the fields are ignored.
   */
  write(record: Record<string, unknown>): Promise<void>;
  /** Appends rows given as value arrays in field order; the fast path of exports. Await it as `write`. */
  writeRows(rows: RowBatch): Promise<void>;
  /** Completes the file (closing tags, XLSX package), closes it and reports what was written. */
  close(): Promise<WrittenFile>;
  /** Gives up: closes the file without completing it and deletes it. Safe to call after a failure. */
  abort(): Promise<void>;
}

export interface WriterOptions {
  /** XML: the `entity` attribute of the root element. */
  entityLabel?: string;
  /** XLSX only: written as a "Manifest" sheet (key, value) when the writer closes. */
  manifestSheet?: Record<string, unknown>;
}

/** The export columns of an entity: every catalog field, in catalog order. */
export function exportFieldsOf(entity: EntityDef): ExportField[] {
  return entity.fields.map((f) => ({ key: f.key, label: f.label, type: f.type }));
}

/** A record object as a row of values in field order. */
export function rowOf(fields: readonly ExportField[], record: Record<string, unknown>): unknown[] {
  const row = new Array<unknown>(fields.length);
  for (let i = 0; i < fields.length; i++) row[i] = record[fields[i]!.key];
  return row;
}
