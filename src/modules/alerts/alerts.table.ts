import { index, mysqlEnum, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, time } from '../../platform/db/columns.js';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_EMAIL_STATUSES = ['pending', 'sent', 'failed', 'no_recipients'] as const;

/**
 * Something an organization's admins must act on (a webhook endpoint disabled, a connection
 * failing): listed in GraphQL until acknowledged, and e-mailed to the admins when SMTP is set up.
 */
export const alerts = mysqlTable(
  'alerts',
  {
    id: id(),
    organizationId: organizationId(),
    /** What happened, as an event name: webhook.disabled, integration.error. */
    kind: varchar('kind', { length: 100 }).notNull(),
    severity: mysqlEnum('severity', ALERT_SEVERITIES).notNull().default('warning'),
    title: varchar('title', { length: 255 }).notNull(),
    message: text('message').notNull(),
    /** The thing it is about: webhook 12, integration_connection 3. */
    subjectType: varchar('subject_type', { length: 50 }).notNull(),
    subjectId: varchar('subject_id', { length: 64 }).notNull(),
    createdAt: createdAt(),
    acknowledgedAt: time('acknowledged_at'),
    /** Who acknowledged it: actor type and id, e.g. api_key:17. */
    acknowledgedBy: varchar('acknowledged_by', { length: 255 }),
    emailStatus: mysqlEnum('email_status', ALERT_EMAIL_STATUSES).notNull().default('pending'),
    emailedAt: time('emailed_at'),
  },
  (t) => [index('idx_alerts_org').on(t.organizationId, t.id), index('idx_alerts_email').on(t.emailStatus, t.id)],
);

export type AlertRow = typeof alerts.$inferSelect;
