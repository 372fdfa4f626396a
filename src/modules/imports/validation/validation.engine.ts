import { collationKey } from '../../../platform/db/collation.js';
import { BadInputError } from '../../../platform/errors/app-error.js';
import { ENTITIES, type CrossFieldRule, type EntityDef, type EntityType, type FieldDef } from '../../records/index.js';
import { mappedColumns, validateMapping, type HeaderMapping, type MappingProblem } from '../mapping/index.js';
import { UniqueHashSet } from './unique.hash-set.js';
import { coerceValue, type CellValue, type CoerceOptions } from './value.coerce.js';

export type IssueCode =
  | 'REQUIRED'
  | 'TYPE'
  | 'ENUM'
  | 'RANGE'
  | 'LENGTH'
  | 'PATTERN'
  | 'DUPLICATE_IN_FILE'
  | 'DUPLICATE_IN_DATABASE'
  | 'REFERENCE'
  | 'RULE'
  | 'UNMAPPED_REQUIRED';

export const ISSUE_CODES: readonly IssueCode[] = [
  'REQUIRED',
  'TYPE',
  'ENUM',
  'RANGE',
  'LENGTH',
  'PATTERN',
  'DUPLICATE_IN_FILE',
  'DUPLICATE_IN_DATABASE',
  'REFERENCE',
  'RULE',
  'UNMAPPED_REQUIRED',
];

export interface RowIssue {
  rowNumber: number;
  /** The file's header of the offending column; '' when no column is concerned (an unmapped field). */
  column: string;
  field: string | null;
  /** The cell as the file had it (at most VALUE_PREVIEW_CHARS characters); '' for an empty cell. */
  value: string;
  message: string;
  severity: 'error' | 'warning';
  code: IssueCode;
}

export interface ReferenceLookup {
  /** Which of `values` exist for entity.field in the caller's organization (and project, for project records). Called with batches. */
  existing(entity: EntityType, field: string, values: string[]): Promise<Set<string>>;
  /**
   * For each of `values` held by some entity record: value → originId of the record holding it
   * (null when that record has none). Values held by no record are absent. Called with batches.
   */
  owners(entity: EntityType, field: string, values: string[]): Promise<Map<string, string | null>>;
}

export interface RowValidatorOptions {
  /** Without it, references and database uniqueness are not checked (checkBatch does nothing). */
  lookup?: ReferenceLookup;
  /**
   * Default true: a unique field's value already held in the database by a record with a
   * DIFFERENT originId is an error; the same originId is an update of that record, which is fine.
   */
  uniqueAgainstDatabase?: boolean;
  /**
   * Values that count as existing for references, beyond the database, keyed "entity.field" of
   * the referenced field (e.g. "vendors.code" → codes an earlier step of the same import adds).
   * The validator does not collect these itself: a file of one entity never creates records a
   * reference of the same file could point to, except through the caller.
   */
  alsoExisting?: ReadonlyMap<string, ReadonlySet<string>>;
  /** How to read numeric slash dates; see CoerceOptions. */
  dateOrder?: CoerceOptions['dateOrder'];
  /**
   * Unique fields whose values the caller makes distinct itself (the runner's `import:<job>:<row>`
   * origin ids): not tracked for in-file duplicates, which saves their memory.
   */
  uniqueByConstruction?: readonly string[];
}

/** A parsed row (ParsedRow of the parsers): cells aligned with the headers, possibly shorter or longer. */
export interface RowInput {
  rowNumber: number;
  values: CellValue[];
}

/** What checkBatch needs of a checked row; its issues receive the batch's findings. */
export type BatchRow = Pick<CheckedRow, 'rowNumber' | 'record' | 'issues'>;

export interface CheckedRow {
  rowNumber: number;
  /** Field key → canonical value, for every mapped field (null when empty or invalid). */
  record: Record<string, unknown>;
  issues: RowIssue[];
}

/** Values quoted in issues are cut here: the summary keeps up to a thousand issues in memory. */
export const VALUE_PREVIEW_CHARS = 200;

/** A row with any error is failed; warnings alone do not fail it. */
export function isFailed(issues: readonly RowIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

function preview(raw: unknown): string {
  let text: string;
  if (raw === null || raw === undefined) text = '';
  else if (raw instanceof Date) text = Number.isNaN(raw.getTime()) ? '' : raw.toISOString();
  else if (typeof raw === 'string') text = raw;
  else if (typeof raw === 'number' || typeof raw === 'boolean') text = String(raw);
  else text = JSON.stringify(raw) ?? '';
  return text.length > VALUE_PREVIEW_CHARS ? `${text.slice(0, VALUE_PREVIEW_CHARS - 1)}…` : text;
}

/**
 * How unique values and references compare: as the records' MySQL collation (utf8mb4,
 * case- and accent-insensitive) compares them in unique indexes and lookups.
 */
function foldKey(value: unknown): string {
  return collationKey(String(value));
}

function hasValue(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '';
}

function issueAt(rowNumber: number, at: MappedField, raw: CellValue, code: IssueCode, severity: RowIssue['severity'], message: string): RowIssue {
  return { rowNumber, column: at.header, field: at.field.key, value: preview(raw), code, severity, message };
}

interface MappedField {
  field: FieldDef;
  column: number;
  header: string;
  /** Values seen so far in the file, for a unique field (in-file duplicates); null otherwise. */
  seen: UniqueHashSet | null;
}

/**
 * Validates the rows of one import file against the catalog, built for streaming:
 *
 * ```ts
 * const validator = new RowValidator(entity, file.headers, mapping, { lookup });
 * for each chunk of ~1,000 parsed rows:
 *   const checked = chunk.map((row) => validator.checkRow(row));   // synchronous
 *   await validator.checkBatch(checked);                            // one lookup per field
 *   for (const row of checked) summary.addRow(row.issues);          // or write the valid ones
 * ```
 *
 * (`checkRowsInChunks` does exactly that.) checkBatch adds its issues to the rows it is given, so
 * read a row's issues only after its batch is checked.
 *
 * Memory: besides the chunk, the validator keeps, for each unique field, a 64-bit hash of every
 * distinct value seen so far with the row it was first seen in (to report "duplicates row 12"):
 * 12 to 34 bytes a value in a typed array (see UniqueHashSet, which also says what a hash
 * collision would do), so some 50 MB at most for a million-row file with two unique fields.
 * Everything else is per chunk.
 */
export class RowValidator {
  readonly entity: EntityDef;
  /** Problems of the mapping itself; REQUIRED_UNMAPPED ones also fail every row (UNMAPPED_REQUIRED). */
  readonly mappingProblems: readonly MappingProblem[];
  private readonly mapped: readonly MappedField[];
  private readonly unmappedRequired: readonly FieldDef[];
  private readonly rules: ReadonlyArray<{ rule: CrossFieldRule; blamed: MappedField | undefined }>;
  private readonly coerceOptions: CoerceOptions;
  private readonly options: RowValidatorOptions;
  /**
   * Referenced values found to exist, folded, per "entity.field", so later chunks do not ask
   * about them again: an invoice file names the same few hundred vendors on every chunk. Only
   * what exists is remembered (a missing vendor may be created before the next chunk), at most
   * REFERENCE_CACHE_LIMIT values a target; a referenced record deleted while the file is being
   * read still counts, as it would between a chunk's lookup and its write.
   */
  private readonly foundReferences = new Map<string, Set<string>>();

  /** @throws BadInputError when the mapping names unknown fields or headers, or fills a field twice. */
  constructor(entity: EntityDef, headers: string[], mapping: HeaderMapping, options: RowValidatorOptions = {}) {
    this.entity = entity;
    this.options = options;
    this.mappingProblems = validateMapping(entity, headers, mapping);
    const fatal = this.mappingProblems.filter((p) => p.severity === 'error' && p.code !== 'REQUIRED_UNMAPPED');
    if (fatal.length > 0) {
      throw new BadInputError(`The column mapping cannot be used: ${fatal.map((p) => p.message).join('; ')}`, {
        problems: fatal.map(({ code, header, field }) => ({ code, header, field })),
      });
    }
    const columns = mappedColumns(entity, headers, mapping);
    const skipUnique = new Set(options.uniqueByConstruction ?? []);
    this.mapped = entity.fields.flatMap((field) => {
      const column = columns.get(field.key);
      if (column === undefined) return [];
      const seen = field.unique && !skipUnique.has(field.key) ? new UniqueHashSet(foldKey) : null;
      return [{ field, column, header: headers[column]!, seen }];
    });
    this.unmappedRequired = entity.fields.filter((f) => f.required && !columns.has(f.key));
    // The last field of a rule is the one its message is about ("Due Date is before Invoice Date").
    this.rules = (entity.rules ?? []).map((rule) => ({ rule, blamed: this.mapped.find((m) => m.field.key === rule.fields[rule.fields.length - 1]) }));
    this.coerceOptions = options.dateOrder ? { dateOrder: options.dateOrder } : {};
  }

  /**
   * Synchronous checks of one row: coercion, required, ranges, patterns, duplicates within the
   * file so far, cross-field rules. Cells beyond the header are ignored; missing cells are empty.
   * Runs once per row of every import, so it allocates only the record, the issue list and the
   * issues found.
   */
  checkRow(row: RowInput): CheckedRow {
    const { rowNumber, values } = row;
    const record: Record<string, unknown> = {};
    const issues: RowIssue[] = [];
    const mapped = this.mapped;

    for (let m = 0; m < mapped.length; m++) {
      const { field, column } = mapped[m]!;
      const raw = values[column] ?? null;
      const result = coerceValue(field, raw, this.coerceOptions);
      if (!result.ok) {
        record[field.key] = null;
        issues.push(issueAt(rowNumber, mapped[m]!, raw, result.code, 'error', `${field.label} ${result.message}`));
        continue;
      }
      record[field.key] = result.value;
      if (result.warning !== undefined) issues.push(issueAt(rowNumber, mapped[m]!, raw, 'TYPE', 'warning', `${field.label} ${result.warning}`));
      if (result.value === null && field.required) issues.push(issueAt(rowNumber, mapped[m]!, raw, 'REQUIRED', 'error', `${field.label} is required`));
    }

    for (const field of this.unmappedRequired) {
      issues.push({ rowNumber, column: '', field: field.key, value: '', code: 'UNMAPPED_REQUIRED', severity: 'error', message: `${field.label} is required but no column is mapped to it` });
    }

    for (let m = 0; m < mapped.length; m++) {
      const entry = mapped[m]!;
      const { seen, field } = entry;
      if (seen === null) continue;
      const value = record[field.key];
      if (!hasValue(value)) continue;
      const first = seen.firstRowOrAdd(String(value), rowNumber);
      if (first !== 0) {
        issues.push(
          issueAt(rowNumber, entry, values[entry.column] ?? null, 'DUPLICATE_IN_FILE', 'error', `${field.label} "${preview(value)}" is already used in row ${first} of this file`),
        );
      }
    }

    for (const { rule, blamed } of this.rules) {
      if (!rule.fields.every((key) => hasValue(record[key]))) continue;
      if (rule.check(record)) continue;
      issues.push({
        rowNumber,
        column: blamed?.header ?? '',
        field: blamed?.field.key ?? null,
        value: blamed ? preview(values[blamed.column] ?? null) : '',
        code: 'RULE',
        severity: rule.severity,
        message: rule.message,
      });
    }
    return { rowNumber, record, issues };
  }

  /**
   * Asynchronous checks of rows already through checkRow: references exist, unique values are
   * not held by another record in the database. One lookup call per field for the whole batch,
   * with each distinct value once; lookups of different fields run concurrently. Issues are
   * appended to the rows' `issues` once every lookup has answered, in catalog field order, so
   * the outcome does not depend on which lookup answers first.
   */
  async checkBatch(rows: ReadonlyArray<BatchRow>): Promise<void> {
    const lookup = this.options.lookup;
    if (!lookup || rows.length === 0) return;
    const tasks: Array<Promise<Array<[BatchRow, RowIssue]>>> = [];
    for (const mapped of this.mapped) {
      const { field } = mapped;
      if (field.reference) tasks.push(this.checkReferences(lookup, mapped, field.reference, rows));
      // originId is the key imports upsert by: a value already in the database is the update of that record.
      if (field.unique && field.key !== 'originId' && this.options.uniqueAgainstDatabase !== false) {
        tasks.push(this.checkDatabaseDuplicates(lookup, mapped, rows));
      }
    }
    // Findings come grouped by task (field order), so each row receives its issues in field order.
    for (const findings of await Promise.all(tasks)) for (const [row, issue] of findings) row.issues.push(issue);
  }

  private async checkReferences(
    lookup: ReferenceLookup,
    { field, header }: MappedField,
    reference: { entity: EntityType; field: string },
    rows: ReadonlyArray<BatchRow>,
  ): Promise<Array<[BatchRow, RowIssue]>> {
    const targetKey = `${reference.entity}.${reference.field}`;
    const extra = this.options.alsoExisting?.get(targetKey);
    let found = this.foundReferences.get(targetKey);
    if (!found) this.foundReferences.set(targetKey, (found = new Set<string>()));
    const known = new Set<string>();
    for (const value of extra ?? []) known.add(foldKey(value));
    const values = distinctValues(rows, field.key).filter((v) => {
      const key = foldKey(v);
      return !known.has(key) && !found.has(key);
    });
    if (values.length > 0) {
      for (const value of await lookup.existing(reference.entity, reference.field, values)) {
        const key = foldKey(value);
        known.add(key);
        if (found.size < REFERENCE_CACHE_LIMIT) found.add(key);
      }
    }
    const target = ENTITIES[reference.entity].label;
    const issues: Array<[BatchRow, RowIssue]> = [];
    for (const row of rows) {
      const value = row.record[field.key];
      if (!hasValue(value)) continue;
      const key = foldKey(value);
      if (known.has(key) || found.has(key)) continue;
      issues.push([
        row,
        {
          rowNumber: row.rowNumber,
          column: header,
          field: field.key,
          value: preview(value),
          code: 'REFERENCE',
          severity: 'error',
          message: `${field.label} "${preview(value)}" does not match any ${target}`,
        },
      ]);
    }
    return issues;
  }

  private async checkDatabaseDuplicates(lookup: ReferenceLookup, { field, header }: MappedField, rows: ReadonlyArray<BatchRow>): Promise<Array<[BatchRow, RowIssue]>> {
    const values = distinctValues(rows, field.key);
    if (values.length === 0) return [];
    const owners = new Map<string, string | null>();
    for (const [value, owner] of await lookup.owners(this.entity.type, field.key, values)) owners.set(foldKey(value), owner);
    const issues: Array<[BatchRow, RowIssue]> = [];
    for (const row of rows) {
      const value = row.record[field.key];
      if (!hasValue(value)) continue;
      const key = foldKey(value);
      if (!owners.has(key)) continue;
      const owner = owners.get(key) ?? null;
      const origin = row.record['originId'];
      // A row without an origin id becomes a new record, so any holder is a conflict.
      if (owner !== null && hasValue(origin) && foldKey(origin) === foldKey(owner)) continue;
      issues.push([
        row,
        {
          rowNumber: row.rowNumber,
          column: header,
          field: field.key,
          value: preview(value),
          code: 'DUPLICATE_IN_DATABASE',
          severity: 'error',
          message:
            owner === null
              ? `${field.label} "${preview(value)}" is already used by another ${this.entity.label}`
              : `${field.label} "${preview(value)}" is already used by the ${this.entity.label} with Origin ID "${owner}"`,
        },
      ]);
    }
    return issues;
  }
}

function distinctValues(rows: ReadonlyArray<{ record: Record<string, unknown> }>, key: string): string[] {
  const byFold = new Map<string, string>();
  for (const row of rows) {
    const value = row.record[key];
    if (!hasValue(value)) continue;
    const text = String(value);
    const fold = foldKey(text);
    if (!byFold.has(fold)) byFold.set(fold, text);
  }
  return [...byFold.values()];
}

/** Referenced values remembered as existing, per target (see RowValidator.foundReferences). */
const REFERENCE_CACHE_LIMIT = 50_000;

/** Default chunk for streaming: large enough to batch lookups well, small enough to hold in memory. */
export const DEFAULT_CHUNK_ROWS = 1000;

/**
 * Runs parsed rows through the validator chunk by chunk (checkRow each, then checkBatch the
 * chunk) and yields each checked chunk, so the caller can count, store or import it before the
 * next is read.
 */
export async function* checkRowsInChunks(
  validator: RowValidator,
  rows: AsyncIterable<RowInput> | Iterable<RowInput>,
  chunkRows = DEFAULT_CHUNK_ROWS,
): AsyncGenerator<CheckedRow[], void, undefined> {
  let chunk: CheckedRow[] = [];
  for await (const row of rows) {
    chunk.push(validator.checkRow(row));
    if (chunk.length >= chunkRows) {
      await validator.checkBatch(chunk);
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) {
    await validator.checkBatch(chunk);
    yield chunk;
  }
}
