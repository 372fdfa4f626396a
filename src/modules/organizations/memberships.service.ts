import { and, eq, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/mysql.js';
import { memberships, type MembershipRow } from './memberships.table.js';
import { users } from './users.table.js';

/**
 * The rule of an active membership of `userId` in `organizationId`, as a condition for queries
 * that join `users` to `memberships`: the membership is active (SCIM `active`) and the user is not
 * disabled everywhere. Callers that need more columns (role, organization name) use it in their
 * own query, so every check applies the same rule.
 */
export function activeMembershipWhere(userId: number, organizationId: number): SQL {
  return and(eq(memberships.userId, userId), eq(memberships.organizationId, organizationId), eq(memberships.active, true), eq(users.isActive, true))!;
}

/**
 * The membership that lets `userId` act in `organizationId`, or null when there is none, the
 * membership is deactivated (SCIM `active: false`) or the user is disabled everywhere. Every
 * login (SSO, OAuth, local) and every session check asks this before letting the person in.
 */
export async function activeMembership(db: DbOrTx, userId: number, organizationId: number): Promise<MembershipRow | null> {
  const [row] = await db
    .select({ membership: memberships })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(activeMembershipWhere(userId, organizationId))
    .limit(1);
  return row?.membership ?? null;
}
