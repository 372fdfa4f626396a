import { boolean, index, int, json, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, time, updatedAt } from '../../platform/db/columns.js';

/**
 * How an endpoint receives the record events of bulk writes (an import writes one per row):
 * `each` one message per record, `batch` one message per written chunk (`<event>.batch`, up to
 * RECORDS_PER_BATCH records), `summary` none of them but the import's `import.completed` or
 * `import.failed`, with its counts.
 */
export const RECORD_EVENT_MODES = ['each', 'batch', 'summary'] as const;
export type RecordEventMode = (typeof RECORD_EVENT_MODES)[number];

/** The spec's webhooks: an endpoint of an organization (optionally one project) and its event types. */
export const webhooks = mysqlTable(
  'webhooks',
  {
    id: id(),
    organizationId: organizationId(),
    projectId: ref('project_id'),
    name: varchar('name', { length: 255 }).notNull(),
    url: varchar('url', { length: 1000 }).notNull(),
    /** Event types and patterns (`import.*`, `*`). */
    events: json('events').$type<string[]>().notNull(),
    /** The signing secret (`whsec_…`), sealed with the service's encryption key. */
    secret: varchar('secret', { length: 255 }),
    /** During a rotation, the old secret still signs until `previous_secret_expires_at`. */
    previousSecret: varchar('previous_secret', { length: 255 }),
    previousSecretExpiresAt: time('previous_secret_expires_at'),
    isActive: boolean('is_active').notNull().default(true),
    recordEvents: mysqlEnum('record_events', RECORD_EVENT_MODES).notNull().default('batch'),
    /** At most this many deliveries a second to the endpoint, across all workers; null: no limit. */
    maxPerSecond: int('max_per_second'),
    /** Set when the service disabled the endpoint (410 Gone, or failing for too long). */
    disabledAt: time('disabled_at'),
    disabledReason: varchar('disabled_reason', { length: 500 }),
    /** Start of the current run of failed attempts; null after a success. */
    failingSince: time('failing_since'),
    lastTriggeredAt: time('last_triggered_at'),
    /** Failed attempts since the last success. */
    failureCount: int('failure_count').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_webhooks_org').on(t.organizationId, t.id)],
);

export type WebhookRow = typeof webhooks.$inferSelect;
