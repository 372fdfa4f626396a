import { bigint, char, index, int, json, mysqlEnum, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time, updatedAt } from '../../platform/db/columns.js';

export const IMPORT_STATUSES = ['pending', 'validating', 'validated', 'importing', 'completed', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const IMPORT_MODES = ['skip_invalid', 'all_or_nothing'] as const;
export const IMPORT_RUNS = ['validate', 'import'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export interface ImportOptions {
  sheet?: string | number;
  /** 1-based row of the header (XLSX, CSV); detected when absent. */
  headerRow?: number;
  recordPath?: string;
  delimiter?: string;
  encoding?: string;
}

/**
 * The spec's import_jobs, grown into the job's whole state. Changes from the spec: a tenant
 * column; project_id may be null (vendors and cost codes belong to the organization, not a
 * project); statuses add validated (dry run done) and cancelled; counters split success into
 * inserted and updated; `checkpoint_row` and `committed_ranges` say which file rows are committed
 * (every row up to the checkpoint, and spans beyond it that committed ahead of an earlier one: see
 * imports.checkpoint.ts), so a job resumed after a crash writes exactly the rest. `run` is the
 * run the job is in or last was (validate or import: what resuming carries on); `runner_id` the
 * pg-boss job that holds it and `heartbeat_at` when that runner last said it was alive; a job
 * validating or importing whose heartbeat is stale is resumed by the sweep (`resume_count`
 * times at most) or failed. `error_code` says why a job failed (a parse reason, STALLED, …).
 */
export const importJobs = mysqlTable(
  'import_jobs',
  {
    id: id(),
    organizationId: organizationId(),
    projectId: ref('project_id'),
    importType: varchar('import_type', { length: 100 }).notNull(),
    filePath: varchar('file_path', { length: 1000 }).notNull(),
    fileName: varchar('file_name', { length: 255 }),
    fileSize: bigint('file_size', { mode: 'number', unsigned: true }).notNull().default(0),
    fileSha256: char('file_sha256', { length: 64 }),
    format: varchar('format', { length: 10 }).notNull().default('csv'),
    options: json('options').$type<ImportOptions>(),
    headers: json('headers').$type<string[]>(),
    headerSignature: char('header_signature', { length: 64 }),
    mapping: json('mapping').$type<Record<string, string | null>>(),
    mode: mysqlEnum('mode', IMPORT_MODES).notNull().default('skip_invalid'),
    status: mysqlEnum('status', IMPORT_STATUSES).notNull().default('pending'),
    phase: varchar('phase', { length: 32 }),
    totalRows: int('total_rows'),
    processedRows: int('processed_rows').notNull().default(0),
    successRows: int('success_rows').notNull().default(0),
    insertedRows: int('inserted_rows').notNull().default(0),
    updatedRows: int('updated_rows').notNull().default(0),
    failedRows: int('failed_rows').notNull().default(0),
    warningCount: int('warning_count').notNull().default(0),
    /** The first issues found (row, column, value, message); the error report has them all. */
    errors: json('errors').$type<unknown[]>(),
    errorMessage: text('error_message'),
    errorCode: varchar('error_code', { length: 40 }),
    checkpointRow: int('checkpoint_row').notNull().default(0),
    committedRanges: json('committed_ranges').$type<Array<[number, number]>>(),
    run: mysqlEnum('run', IMPORT_RUNS),
    runnerId: varchar('runner_id', { length: 64 }),
    heartbeatAt: time('heartbeat_at'),
    resumeCount: int('resume_count').notNull().default(0),
    reportKey: varchar('report_key', { length: 500 }),
    startedAt: time('started_at'),
    completedAt: time('completed_at'),
    createdBy: ref('created_by'),
    createdByKeyId: ref('created_by_key_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_import_jobs_org').on(t.organizationId, t.id), index('idx_import_jobs_heartbeat').on(t.status, t.heartbeatAt)],
);

export type ImportJobRow = typeof importJobs.$inferSelect;
