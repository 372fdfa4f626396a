import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import { connectionType, type Connection } from '../../platform/graphql/pagination.js';
import { ENTITY_TYPES, ENTITIES, type EntityType } from '../records/index.js';
import type { ImportJobRow } from './import-jobs.table.js';
import type { MappingSuggestion } from './mapping/mapping.match.js';
import type { RowIssue } from './validation/validation.engine.js';
import type { SheetSummary } from './parsers/index.js';

export const ImportTypeEnum = Object.fromEntries(ENTITY_TYPES.map((t) => [t.toUpperCase(), t])) as Record<string, EntityType>;
registerEnumType(ImportTypeEnum, { name: 'ImportType', description: 'Kinds of platform record an import writes.' });

export enum ImportFormat {
  CSV = 'csv',
  TSV = 'tsv',
  XLSX = 'xlsx',
  JSON = 'json',
  NDJSON = 'ndjson',
  XML = 'xml',
}
registerEnumType(ImportFormat, { name: 'ImportFormat', description: 'Detected from the content when not given.' });

export enum ImportStatus {
  PENDING = 'pending',
  VALIDATING = 'validating',
  VALIDATED = 'validated',
  IMPORTING = 'importing',
  COMPLETED = 'completed',
  FAILED = 'failed',
  CANCELLED = 'cancelled',
}
registerEnumType(ImportStatus, {
  name: 'ImportStatus',
  valuesConfig: {
    PENDING: { description: 'Uploaded; map the columns, then validate or execute.' },
    VALIDATED: { description: 'The dry run finished: see the counts, issues and error report.' },
    FAILED: { description: 'Stopped on an error (errorMessage, errorCode); resumeImport carries on from the last committed row.' },
    CANCELLED: { description: 'Cancelled by a person; resumeImport carries on from the last committed row.' },
  },
});

export enum ImportModeEnum {
  SKIP_INVALID = 'skip_invalid',
  ALL_OR_NOTHING = 'all_or_nothing',
}
registerEnumType(ImportModeEnum, {
  name: 'ImportMode',
  valuesConfig: {
    SKIP_INVALID: { description: 'Write the valid rows, report the others.' },
    ALL_OR_NOTHING: { description: 'Write nothing unless every row is valid.' },
  },
});

export enum ReportFormat {
  CSV = 'csv',
  XLSX = 'xlsx',
}
registerEnumType(ReportFormat, { name: 'ReportFormat' });

@ObjectType({ description: 'Which record field a column of the file fills.' })
export class ColumnMapping {
  @Field(() => String)
  header!: string;

  @Field(() => String, { nullable: true, description: 'Field key, or null to ignore the column.' })
  field!: string | null;
}

@InputType()
export class ColumnMappingInput {
  @Field(() => String)
  header!: string;

  @Field(() => String, { nullable: true, description: 'Field key (see importTypes), or null to ignore the column.' })
  field?: string | null;
}

@ObjectType()
export class ColumnSuggestion {
  @Field(() => String)
  header!: string;

  @Field(() => String, { nullable: true })
  field!: string | null;

  @Field(() => String, { nullable: true, description: 'exact, alias or fuzzy.' })
  confidence!: string | null;

  @Field(() => Float)
  score!: number;
}

@ObjectType({ description: 'A problem of one row.' })
export class ImportIssue {
  @Field(() => Int)
  rowNumber!: number;

  @Field(() => String, { description: 'The file’s header of the column.' })
  column!: string;

  @Field(() => String, { nullable: true })
  field!: string | null;

  @Field(() => String)
  value!: string;

  @Field(() => String)
  message!: string;

  @Field(() => String, { description: 'error or warning.' })
  severity!: string;

  @Field(() => String, { description: 'REQUIRED, TYPE, ENUM, RANGE, LENGTH, PATTERN, DUPLICATE_IN_FILE, DUPLICATE_IN_DATABASE, REFERENCE, RULE, UNMAPPED_REQUIRED.' })
  code!: string;
}

/**
 * The row counters of an import, declared once for the job and its live progress events.
 * type-graphql 2 has no `isAbstract` option: the class is registered so that its fields are
 * inherited, and since no field returns it, the schema has no type of that name.
 */
@ObjectType()
export abstract class ImportCounters {
  @Field(() => Int, { nullable: true, description: 'Known after a dry run or once the file was read to the end.' })
  totalRows!: number | null;

  @Field(() => Int)
  processedRows!: number;

  @Field(() => Int)
  insertedRows!: number;

  @Field(() => Int)
  updatedRows!: number;

  @Field(() => Int)
  failedRows!: number;

  @Field(() => Int)
  warningCount!: number;
}

@ObjectType()
export class ImportJob extends ImportCounters {
  @Field(() => ID)
  id!: string;

  @Field(() => ImportTypeEnum)
  type!: string;

  @Field(() => ID, { nullable: true })
  projectId!: string | null;

  @Field(() => String, { nullable: true })
  fileName!: string | null;

  @Field(() => Float, { description: 'Bytes.' })
  fileSize!: number;

  @Field(() => String, { description: 'The format read from the content.' })
  format!: string;

  @Field(() => String, { nullable: true, description: 'XLSX: the sheet read.' })
  sheet!: string | null;

  @Field(() => Int, { nullable: true, description: 'XLSX, CSV: the 1-based row the headers are read from.' })
  headerRow!: number | null;

  @Field(() => ImportStatus)
  status!: ImportStatus;

  @Field(() => String, { nullable: true, description: 'queued, validating, importing, …' })
  phase!: string | null;

  @Field(() => ImportModeEnum)
  mode!: ImportModeEnum;

  @Field(() => [String], { description: 'The file’s headers.' })
  headers!: string[];

  @Field(() => [ColumnMapping])
  mapping!: ColumnMapping[];

  @Field(() => [ImportIssue], { description: 'The first issues (up to 1,000); the error report has every failed row.' })
  issues!: ImportIssue[];

  @Field(() => Boolean, { description: 'Whether importErrorReport has rows to give.' })
  hasErrorReport!: boolean;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Why the job failed, for a program: a file problem (UNSUPPORTED_FORMAT, NESTING_TOO_DEEP, RECORD_TOO_LARGE, … as `reason` of BAD_USER_INPUT), INVALID_ROWS (all-or-nothing), RECORDS_CHANGED, DATABASE_UNAVAILABLE, STALLED (its runner was lost too often) or INTERNAL.',
  })
  errorCode!: string | null;

  @Field(() => Int, { description: 'Rows of the file up to which every row is committed (an import resumes after it).' })
  checkpointRow!: number;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true })
  startedAt!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  completedAt!: Date | null;
}

export const ImportJobConnection = connectionType(ImportJob, 'ImportJobConnection');
export type ImportJobConnection = Connection<ImportJob>;

@ObjectType({ description: 'A sheet of an uploaded workbook, to choose another with createImport(sheet:).' })
export class ImportSheet {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: '1-based position among the workbook’s sheets.' })
  position!: number;

  @Field(() => Boolean)
  hidden!: boolean;

  @Field(() => Boolean, { description: 'Hidden so that only a macro or a program can show it.' })
  veryHidden!: boolean;

  @Field(() => Int, { nullable: true, description: 'Rows of the sheet’s used range as the workbook states it; null when it does not.' })
  rowCount!: number | null;

  @Field(() => Boolean, { description: 'Whether the sheet holds values in two rows or more (a header and data).' })
  hasData!: boolean;

  @Field(() => Boolean, { description: 'The sheet the import reads.' })
  chosen!: boolean;
}

@ObjectType()
export class CreateImportPayload {
  @Field(() => ImportJob)
  importJob!: ImportJob;

  @Field(() => [ImportSheet], { description: 'XLSX: every sheet of the workbook (empty for other formats).' })
  sheets!: ImportSheet[];

  @Field(() => Int, { nullable: true, description: '1-based row the headers were read from; null when the format has no header row. Create the import again with headerRow to choose another.' })
  headerRow!: number | null;

  @Field(() => [String], { description: 'How the file was read where you may want to choose otherwise (a hidden sheet was taken, …).' })
  warnings!: string[];

  @Field(() => [ColumnSuggestion], { description: 'How each column was matched to a field.' })
  suggestions!: ColumnSuggestion[];

  @Field(() => Boolean, { description: 'The mapping is the one saved for files with these headers.' })
  mappingFromSaved!: boolean;
}

@InputType()
export class CreateImportInput {
  @Field(() => GraphQLUpload, { description: 'The file (GraphQL multipart request).' })
  file!: Promise<FileUpload>;

  @Field(() => ImportTypeEnum)
  type!: string;

  @Field(() => ID, { nullable: true, description: 'Required for project records.' })
  projectId?: string | null;

  @Field(() => ImportFormat, { nullable: true })
  format?: ImportFormat | null;

  @Field(() => String, { nullable: true, description: 'XLSX: sheet name or 1-based number. Default: the first visible sheet with data, else a hidden one (with a warning).' })
  sheet?: string | null;

  @Field(() => Int, { nullable: true, description: 'XLSX, CSV: 1-based row of the header. Default: the row among the first 20 that best names the type’s fields.' })
  headerRow?: number | null;

  @Field(() => String, { nullable: true, description: 'XML: path of the repeating record element, e.g. Vendors/Vendor.' })
  recordPath?: string | null;

  @Field(() => String, { nullable: true, description: 'CSV: , ; | or \\t. Detected when not given.' })
  delimiter?: string | null;

  @Field(() => String, { nullable: true, description: 'utf-8, utf-16le, utf-16be, windows-1252 or latin1. Detected when not given.' })
  encoding?: string | null;
}

@ObjectType({ description: 'A link to download a file; it expires.' })
export class DownloadLinkType {
  @Field(() => String, { description: 'Path on this server; follow it without credentials before it expires.' })
  url!: string;

  @Field(() => GraphQLDateTime)
  expiresAt!: Date;
}

@ObjectType()
export class ImportFieldInfo {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  label!: string;

  @Field(() => String)
  type!: string;

  @Field(() => Boolean)
  required!: boolean;

  @Field(() => String)
  description!: string;

  @Field(() => String)
  example!: string;

  @Field(() => [String], { nullable: true })
  values!: string[] | null;

  @Field(() => String, { nullable: true, description: 'entity.field this value must exist as.' })
  reference!: string | null;
}

@ObjectType({ description: 'What an import type accepts.' })
export class ImportTypeInfo {
  @Field(() => ImportTypeEnum)
  type!: string;

  @Field(() => String)
  label!: string;

  @Field(() => Boolean)
  projectScoped!: boolean;

  @Field(() => [ImportFieldInfo])
  fields!: ImportFieldInfo[];
}

@ObjectType({ description: 'Live state of an import job.' })
export class ImportProgressEvent extends ImportCounters {
  @Field(() => ID)
  jobId!: string;

  @Field(() => ImportStatus)
  status!: string;

  @Field(() => String, { nullable: true })
  phase!: string | null;

  @Field(() => String, { nullable: true })
  errorMessage!: string | null;
}

export function toImportJob(row: ImportJobRow): ImportJob {
  const mapping = row.mapping ?? {};
  return {
    id: String(row.id),
    type: row.importType,
    projectId: row.projectId === null ? null : String(row.projectId),
    fileName: row.fileName,
    fileSize: row.fileSize,
    format: row.format,
    sheet: row.options?.sheet === undefined ? null : String(row.options.sheet),
    headerRow: row.options?.headerRow ?? null,
    status: row.status as ImportStatus,
    phase: row.phase,
    mode: row.mode as ImportModeEnum,
    headers: row.headers ?? [],
    mapping: (row.headers ?? []).map((header) => ({ header, field: mapping[header] ?? null })),
    totalRows: row.totalRows,
    processedRows: row.processedRows,
    insertedRows: row.insertedRows,
    updatedRows: row.updatedRows,
    failedRows: row.failedRows,
    warningCount: row.warningCount,
    issues: ((row.errors ?? []) as RowIssue[]).map((i) => ({ ...i, field: i.field ?? null })),
    hasErrorReport: row.reportKey !== null,
    errorMessage: row.errorMessage,
    errorCode: row.errorCode,
    checkpointRow: row.checkpointRow,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
  };
}

export function toSuggestions(suggestion: MappingSuggestion | null): ColumnSuggestion[] {
  return (suggestion?.headers ?? []).map((h) => ({ header: h.header, field: h.field, confidence: h.confidence, score: h.score }));
}

export function importTypeInfos(): ImportTypeInfo[] {
  return ENTITY_TYPES.map((type) => {
    const def = ENTITIES[type];
    return {
      type,
      label: def.label,
      projectScoped: def.projectScoped,
      fields: def.fields.map((f) => ({
        key: f.key,
        label: f.label,
        type: f.type,
        required: f.required ?? false,
        description: f.description,
        example: f.example,
        values: f.values ? [...f.values] : null,
        reference: f.reference ? `${f.reference.entity}.${f.reference.field}` : null,
      })),
    };
  });
}

export function toSheets(created: { sheets: SheetSummary[]; job: ImportJobRow }): ImportSheet[] {
  const chosen = created.job.options?.sheet;
  return created.sheets.map((s) => ({
    name: s.name,
    position: s.position,
    hidden: s.state !== 'visible',
    veryHidden: s.state === 'veryHidden',
    rowCount: s.rowCount,
    hasData: s.hasData,
    chosen: chosen !== undefined && String(chosen) === s.name,
  }));
}

/** What createImport answers, over GraphQL and REST alike. */
export function toCreatedPayload(created: { job: ImportJobRow; suggestion: MappingSuggestion | null; mappingFromSaved: boolean; sheets: SheetSummary[]; headerRow: number; warnings: string[] }): CreateImportPayload {
  return {
    importJob: toImportJob(created.job),
    suggestions: toSuggestions(created.suggestion),
    mappingFromSaved: created.mappingFromSaved,
    sheets: toSheets(created),
    headerRow: created.headerRow || null,
    warnings: created.warnings,
  };
}
