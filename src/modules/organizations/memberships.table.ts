import { index, mysqlEnum, mysqlTable, uniqueIndex } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, updatedAt } from '../../platform/db/columns.js';

export const MEMBERSHIP_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

/** A user's role in one organization. */
export const memberships = mysqlTable(
  'memberships',
  {
    id: id(),
    organizationId: organizationId(),
    userId: ref('user_id').notNull(),
    role: mysqlEnum('role', MEMBERSHIP_ROLES).notNull().default('member'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('uq_memberships_org_user').on(t.organizationId, t.userId),
    index('idx_memberships_user').on(t.userId),
  ],
);

export type MembershipRow = typeof memberships.$inferSelect;
