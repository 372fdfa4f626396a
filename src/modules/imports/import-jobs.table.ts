import { index, int, json, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time } from '../../platform/db/columns.js';

/** The spec's import_jobs, with the owning organization added so every row has a tenant. */
export const importJobs = mysqlTable(
  'import_jobs',
  {
    id: id(),
    organizationId: organizationId(),
    projectId: ref('project_id').notNull(),
    importType: varchar('import_type', { length: 100 }).notNull(),
    filePath: varchar('file_path', { length: 1000 }).notNull(),
    fileName: varchar('file_name', { length: 255 }),
    mapping: json('mapping').$type<Record<string, unknown>>(),
    status: mysqlEnum('status', ['pending', 'validating', 'importing', 'completed', 'failed'])
      .notNull()
      .default('pending'),
    totalRows: int('total_rows'),
    processedRows: int('processed_rows').notNull().default(0),
    successRows: int('success_rows').notNull().default(0),
    failedRows: int('failed_rows').notNull().default(0),
    errors: json('errors').$type<unknown[]>(),
    startedAt: time('started_at'),
    completedAt: time('completed_at'),
    createdBy: ref('created_by'),
    createdAt: createdAt(),
  },
  (t) => [index('idx_import_jobs_org').on(t.organizationId, t.id)],
);
