import { boolean, index, int, json, mysqlEnum, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, ref, updatedAt } from '../../platform/db/columns.js';

export const MEMBERSHIP_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

/**
 * A user's role in one organization. Users are global (one row per e-mail address); what an
 * organization's identity provider says about the person (SCIM userName, externalId, names,
 * `active`) lives here, per organization, so two organizations provisioning the same person do
 * not overwrite each other and deactivating in one leaves the other untouched.
 */
export const memberships = mysqlTable(
  'memberships',
  {
    id: id(),
    organizationId: organizationId(),
    userId: ref('user_id').notNull(),
    role: mysqlEnum('role', MEMBERSHIP_ROLES).notNull().default('member'),
    /** False: deactivated in this organization (SCIM `active`); the member cannot sign in here. */
    active: boolean('active').notNull().default(true),
    /** SCIM userName, unique per organization (case-insensitive collation); null: not provisioned by SCIM. */
    scimUserName: varchar('scim_user_name', { length: 320 }),
    /** The identity provider's own id of the person (SCIM externalId). */
    scimExternalId: varchar('scim_external_id', { length: 255 }),
    /** The SCIM User resource as last written (names, e-mails, enterprise extension, …), without id and meta. */
    scimAttributes: json('scim_attributes').$type<Record<string, unknown>>(),
    /** Bumped on every SCIM write: the resource's version (ETag). */
    scimVersion: int('scim_version').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('uq_memberships_org_user').on(t.organizationId, t.userId),
    uniqueIndex('uq_memberships_org_scim_user_name').on(t.organizationId, t.scimUserName),
    index('idx_memberships_org_scim_external_id').on(t.organizationId, t.scimExternalId),
    index('idx_memberships_user').on(t.userId),
  ],
);

export type MembershipRow = typeof memberships.$inferSelect;
