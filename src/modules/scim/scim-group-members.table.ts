import { index, mysqlTable, primaryKey } from 'drizzle-orm/mysql-core';
import { createdAt, organizationId, ref } from '../../platform/db/columns.js';

/** A member of a SCIM group: a membership (SCIM User) of the same organization. */
export const scimGroupMembers = mysqlTable(
  'scim_group_members',
  {
    groupId: ref('group_id').notNull(),
    membershipId: ref('membership_id').notNull(),
    organizationId: organizationId(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.membershipId] }), index('idx_scim_group_members_membership').on(t.membershipId)],
);
