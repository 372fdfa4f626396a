import { index, int, json, mysqlEnum, mysqlTable } from 'drizzle-orm/mysql-core';
import { id, organizationId, ref, time } from '../../platform/db/columns.js';

/** The spec's integration_sync_logs, one row per sync run of a connection. */
export const integrationSyncLogs = mysqlTable(
  'integration_sync_logs',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    syncType: mysqlEnum('sync_type', ['full', 'incremental', 'push', 'pull']).notNull(),
    startedAt: time('started_at').notNull(),
    completedAt: time('completed_at'),
    status: mysqlEnum('status', ['running', 'completed', 'failed']).notNull().default('running'),
    recordsProcessed: int('records_processed').notNull().default(0),
    recordsCreated: int('records_created').notNull().default(0),
    recordsUpdated: int('records_updated').notNull().default(0),
    recordsFailed: int('records_failed').notNull().default(0),
    errorLog: json('error_log').$type<unknown[]>(),
  },
  (t) => [index('idx_connection').on(t.connectionId), index('idx_integration_sync_logs_org').on(t.organizationId)],
);
