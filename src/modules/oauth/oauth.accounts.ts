import { and, eq } from 'drizzle-orm';
import { ALL_SCOPES, type Scope } from '../../platform/auth/scopes.js';
import type { Db } from '../../platform/db/mysql.js';
import { activeMembershipWhere, memberships, organizations, users, type MembershipRole } from '../organizations/index.js';

/*
 * Who an authorization-code token acts for: one user in one organization they are a member of.
 * The OAuth subject (accountId, `sub`) is `<userId>:<organizationId>`, so the same person acting
 * for another organization is another subject and never shares a grant with it.
 */

export interface Account {
  userId: number;
  organizationId: number;
}

export function toAccountId(account: Account): string {
  return `${account.userId}:${account.organizationId}`;
}

export function parseAccountId(accountId: string | undefined): Account | null {
  const match = /^(\d{1,15}):(\d{1,15})$/.exec(accountId ?? '');
  if (!match) return null;
  return { userId: Number(match[1]), organizationId: Number(match[2]) };
}

/**
 * The most a member of this role may grant an app: owners and admins everything; members all
 * but key management; viewers read scopes only (never keys).
 */
export function scopesForRole(role: MembershipRole): readonly Scope[] {
  switch (role) {
    case 'owner':
    case 'admin':
      return ALL_SCOPES;
    case 'member':
      return ALL_SCOPES.filter((s) => s !== '*' && !s.startsWith('keys:'));
    case 'viewer':
      return ALL_SCOPES.filter((s) => s.endsWith(':read') && !s.startsWith('keys:'));
    default: {
      const unreachable: never = role;
      return unreachable;
    }
  }
}

export async function findUserByEmail(db: Db, email: string) {
  const [row] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  return row ?? null;
}

/**
 * The user's active membership in the organization, or null: also when the user is deactivated,
 * or the membership is (SCIM `active=false`): organizations' rule, with the role and the
 * organization name the pages show.
 */
export async function activeMembership(db: Db, account: Account): Promise<{ role: MembershipRole; organizationName: string } | null> {
  const [row] = await db
    .select({ role: memberships.role, organizationName: organizations.name })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(activeMembershipWhere(account.userId, account.organizationId));
  return row ?? null;
}

export async function organizationsOf(db: Db, userId: number): Promise<Array<{ id: number; name: string }>> {
  return db
    .select({ id: organizations.id, name: organizations.name })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(and(eq(memberships.userId, userId), eq(memberships.active, true)))
    .orderBy(organizations.name);
}
