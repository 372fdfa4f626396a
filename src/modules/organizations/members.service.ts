import { and, desc, eq, like, lt, or } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import type { Page } from '../../platform/graphql/pagination.js';
import { AppError, BadInputError, NotFoundError } from '../../platform/errors/app-error.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { memberships, type MembershipRole } from './memberships.table.js';
import { users } from './users.table.js';

/** A membership with the person it is of: what an organization may see of its members. */
export interface MemberRow {
  id: number;
  userId: number;
  email: string;
  name: string | null;
  role: MembershipRole;
  active: boolean;
  /** Whether the person can sign in anywhere (users.is_active). */
  userActive: boolean;
  scimUserName: string | null;
  createdAt: Date;
}

export interface MemberFilter {
  /** Part of the e-mail address or name. */
  search?: string | null | undefined;
  active?: boolean | null | undefined;
  role?: MembershipRole | null | undefined;
}

const memberColumns = {
  id: memberships.id,
  userId: memberships.userId,
  email: users.email,
  name: users.name,
  role: memberships.role,
  active: memberships.active,
  userActive: users.isActive,
  scimUserName: memberships.scimUserName,
  createdAt: memberships.createdAt,
};

/** The organization's members, newest membership first. */
export async function listMembers(db: Db, organizationId: number, page: Page, filter: MemberFilter = {}): Promise<MemberRow[]> {
  const conditions = [eq(memberships.organizationId, organizationId)];
  if (page.beforeId !== null) conditions.push(lt(memberships.id, page.beforeId));
  if (filter.active !== null && filter.active !== undefined) conditions.push(eq(memberships.active, filter.active));
  if (filter.role) conditions.push(eq(memberships.role, filter.role));
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(like(users.email, pattern), like(users.name, pattern))!);
  }
  return db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(...conditions))
    .orderBy(desc(memberships.id))
    .limit(page.limit + 1);
}

export async function getMember(db: Db, organizationId: number, id: number): Promise<MemberRow> {
  const [row] = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.id, id), eq(memberships.organizationId, organizationId)));
  if (!row) throw new NotFoundError('Member', id);
  return row;
}

/**
 * Changes a member's role or deactivates / reactivates the membership. An organization always
 * keeps an active owner: the last one cannot be demoted or deactivated. A membership provisioned
 * by SCIM is activated and deactivated by the identity provider only (the next SCIM write would
 * undo a change made here); its role may still change.
 */
export async function updateMember(
  db: Db,
  actor: Actor,
  organizationId: number,
  id: number,
  change: { role?: MembershipRole | null | undefined; active?: boolean | null | undefined },
): Promise<{ member: MemberRow; audit: AuditEventRow[] }> {
  if ((change.role === undefined || change.role === null) && (change.active === undefined || change.active === null)) {
    throw new BadInputError('give a role, active, or both', { field: 'input' });
  }
  const audit = await db.transaction(async (tx) => {
    // The organization's owners are locked first, so two changes at once cannot both remove "the other" owner.
    const owners = await tx
      .select({ id: memberships.id, active: memberships.active })
      .from(memberships)
      .where(and(eq(memberships.organizationId, organizationId), eq(memberships.role, 'owner')))
      .for('update');
    const [current] = await tx
      .select({ role: memberships.role, active: memberships.active, scimUserName: memberships.scimUserName })
      .from(memberships)
      .where(and(eq(memberships.id, id), eq(memberships.organizationId, organizationId)))
      .for('update');
    if (!current) throw new NotFoundError('Member', id);
    const role = change.role ?? current.role;
    const active = change.active ?? current.active;
    if (active !== current.active && current.scimUserName !== null) {
      throw new AppError('CONFLICT', 'This member is provisioned by your identity provider (SCIM); activate or deactivate them there', { context: { field: 'active' } });
    }
    const staysOwner = role === 'owner' && active;
    if (current.role === 'owner' && current.active && !staysOwner && !owners.some((o) => o.id !== id && o.active)) {
      throw new AppError('CONFLICT', 'An organization keeps at least one active owner: make another member owner first', { context: { field: change.role ? 'role' : 'active' } });
    }
    if (role === current.role && active === current.active) return [];
    await tx.update(memberships).set({ role, active }).where(eq(memberships.id, id));
    return [
      await recordAudit(tx, actor, {
        organizationId,
        action: 'member.updated',
        targetType: 'membership',
        targetId: id,
        metadata: { ...(role !== current.role ? { role: { from: current.role, to: role } } : {}), ...(active !== current.active ? { active: { from: current.active, to: active } } : {}) },
      }),
    ];
  });
  return { member: await getMember(db, organizationId, id), audit };
}
