import { bigint, char, index, int, json, mysqlEnum, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time } from '../../platform/db/columns.js';

export const EXPORT_STATUSES = ['pending', 'running', 'completed', 'failed'] as const;

export interface ExportFilters {
  search?: string | null;
  originIds?: string[] | null;
  updatedSince?: string | null;
}

/** A bulk export: what was asked, and the ZIP (data file + manifest.json) it produced. */
export const exportJobs = mysqlTable(
  'export_jobs',
  {
    id: id(),
    organizationId: organizationId(),
    projectId: ref('project_id'),
    entityType: varchar('entity_type', { length: 100 }).notNull(),
    format: varchar('format', { length: 10 }).notNull(),
    filters: json('filters').$type<ExportFilters>().notNull(),
    status: mysqlEnum('status', EXPORT_STATUSES).notNull().default('pending'),
    rowCount: int('row_count'),
    fileKey: varchar('file_key', { length: 500 }),
    fileSize: bigint('file_size', { mode: 'number', unsigned: true }),
    fileSha256: char('file_sha256', { length: 64 }),
    manifest: json('manifest').$type<Record<string, unknown>>(),
    errorMessage: text('error_message'),
    /** The pg-boss job that may run the export (its retries keep the id); the sweep gives a lost one a new id. */
    runnerId: varchar('runner_id', { length: 64 }),
    /** When the running export last said it was alive. */
    heartbeatAt: time('heartbeat_at'),
    /** Times the sweep restarted it after its run was lost. */
    resumeCount: int('resume_count').notNull().default(0),
    createdByKeyId: ref('created_by_key_id'),
    createdAt: createdAt(),
    startedAt: time('started_at'),
    completedAt: time('completed_at'),
  },
  (t) => [index('idx_export_jobs_org').on(t.organizationId, t.id), index('idx_export_jobs_heartbeat').on(t.status, t.heartbeatAt)],
);

export type ExportJobRow = typeof exportJobs.$inferSelect;
