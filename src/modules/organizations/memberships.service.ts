import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/mysql.js';
import { memberships, type MembershipRow } from './memberships.table.js';
import { users } from './users.table.js';

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
    .where(
      and(
        eq(memberships.userId, userId),
        eq(memberships.organizationId, organizationId),
        eq(memberships.active, true),
        eq(users.isActive, true),
      ),
    )
    .limit(1);
  return row?.membership ?? null;
}
