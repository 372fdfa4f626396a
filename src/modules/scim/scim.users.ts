import { and, asc, count, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import { recordAudit, type Actor, type AuditEventRow } from '../audit/index.js';
import { memberships, users, type MembershipRow, type UserRow } from '../organizations/index.js';
import { invalidValue, scimNotFound, uniqueness } from './scim.errors.js';
import { checkFilter, matches, parseFilter, requiredEquality } from './scim.filter.js';
import { applyPatch, type PatchOp } from './scim.patch.js';
import { isDuplicateKey as isDuplicate } from '../../platform/db/errors.js';
import { checkIfMatch, inTransaction, type Tx, meta, project, type ListQuery, type Resource } from './scim.resources.js';
import { ENTERPRISE_USER_SCHEMA, normalizeResource, USER_SCHEMA, USER_TYPE } from './scim.schema.js';
import { scimGroupMembers } from './scim-group-members.table.js';
import { scimGroups } from './scim-groups.table.js';

/**
 * SCIM Users. A SCIM User is a membership of the token's organization (its id is the
 * membership's id) linked to a global user row by e-mail address. What the identity provider
 * says about the person is kept on the membership, per organization; deleting removes the
 * membership only, and `active: false` deactivates the membership only.
 */
export interface ScimScope {
  organizationId: number;
  actor: Actor;
  baseUrl: string;
}

interface Loaded {
  membership: MembershipRow;
  user: UserRow;
}


const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/** The writable document of a stored user: the stored attributes plus the columns kept apart. */
function documentOf({ membership }: Loaded): Resource {
  return {
    ...(membership.scimAttributes ?? {}),
    userName: membership.scimUserName,
    ...(membership.scimExternalId ? { externalId: membership.scimExternalId } : {}),
    active: membership.active,
  };
}

async function groupsOf(db: DbOrTx, membershipIds: number[]): Promise<Map<number, Array<{ id: number; displayName: string }>>> {
  const out = new Map<number, Array<{ id: number; displayName: string }>>();
  if (!membershipIds.length) return out;
  const rows = await db
    .select({ membershipId: scimGroupMembers.membershipId, id: scimGroups.id, displayName: scimGroups.displayName })
    .from(scimGroupMembers)
    .innerJoin(scimGroups, eq(scimGroups.id, scimGroupMembers.groupId))
    .where(inArray(scimGroupMembers.membershipId, membershipIds))
    .orderBy(asc(scimGroups.id));
  for (const row of rows) {
    const list = out.get(row.membershipId) ?? [];
    list.push({ id: row.id, displayName: row.displayName });
    out.set(row.membershipId, list);
  }
  return out;
}

/** The User resource as clients see it. */
export function toUserResource(loaded: Loaded, groups: Array<{ id: number; displayName: string }>, baseUrl: string): Resource {
  const { membership, user } = loaded;
  const doc = documentOf(loaded);
  const { userName, externalId, active, ...rest } = doc;
  if (!rest['emails']) rest['emails'] = [{ value: user.email, type: 'work', primary: true }];
  return {
    schemas: ENTERPRISE_USER_SCHEMA in rest ? [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] : [USER_SCHEMA],
    id: String(membership.id),
    ...(externalId ? { externalId } : {}),
    userName,
    ...rest,
    // Deactivated in this organization, or disabled everywhere: either way the person cannot sign in here.
    active: Boolean(active) && user.isActive,
    groups: groups.map((g) => ({ value: String(g.id), display: g.displayName, $ref: `${baseUrl}/Groups/${g.id}`, type: 'direct' })),
    meta: meta(USER_TYPE, membership.id, membership.createdAt, membership.updatedAt, membership.scimVersion, baseUrl),
  };
}

/** The address the global user row is found by: the primary e-mail, else the first work one, else the first, else an e-mail-shaped userName. */
function accountEmail(doc: Resource): string {
  const emails = Array.isArray(doc['emails']) ? (doc['emails'] as Array<{ value?: unknown; type?: unknown; primary?: unknown }>) : [];
  const withValue = emails.filter((e) => typeof e.value === 'string' && e.value.trim());
  const chosen = withValue.find((e) => e.primary === true) ?? withValue.find((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work') ?? withValue[0];
  const candidate = (typeof chosen?.value === 'string' ? chosen.value : typeof doc['userName'] === 'string' ? doc['userName'] : '').trim();
  if (!EMAIL.test(candidate) || candidate.length > 320) {
    throw invalidValue(chosen ? `emails: ${candidate} is not an e-mail address` : 'A user needs an e-mail address: in emails, or as an e-mail-shaped userName');
  }
  return candidate;
}

function displayNameOf(doc: Resource): string | null {
  const name = doc['name'] as Record<string, unknown> | undefined;
  const parts = [name?.['givenName'], name?.['familyName']].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const value = (typeof doc['displayName'] === 'string' && doc['displayName']) || (typeof name?.['formatted'] === 'string' && name['formatted']) || parts.join(' ');
  return value ? value.slice(0, 255) : null;
}

function checkRequired(doc: Resource): { userName: string; externalId: string | null } {
  const userName = typeof doc['userName'] === 'string' ? doc['userName'].trim() : '';
  if (!userName) throw invalidValue('userName is required');
  if (userName.length > 320) throw invalidValue('userName is longer than 320 characters');
  const externalId = typeof doc['externalId'] === 'string' && doc['externalId'] ? doc['externalId'] : null;
  if (externalId && externalId.length > 255) throw invalidValue('externalId is longer than 255 characters');
  return { userName, externalId };
}

async function load(db: DbOrTx, organizationId: number, id: number | null, forUpdate = false): Promise<Loaded> {
  if (id === null) throw scimNotFound('User', 'id');
  const query = db
    .select({ membership: memberships, user: users })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.id, id), eq(memberships.organizationId, organizationId), isNotNull(memberships.scimUserName)));
  const [row] = forUpdate ? await query.for('update') : await query;
  if (!row) throw scimNotFound('User', String(id));
  return row;
}

async function assertUserNameFree(tx: Tx, organizationId: number, userName: string, exceptId: number | null): Promise<void> {
  const [taken] = await tx
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.scimUserName, userName), exceptId === null ? undefined : ne(memberships.id, exceptId)));
  if (taken) throw uniqueness(`userName ${userName} is already taken in this organization`);
}

/** Finds the global user with this address, or creates it. */
async function userFor(tx: Tx, email: string, name: string | null): Promise<UserRow> {
  const find = async () => (await tx.select().from(users).where(eq(users.email, email)))[0];
  const existing = await find();
  if (existing) return existing;
  try {
    const [result] = await tx.insert(users).values({ email, name });
    const [created] = await tx.select().from(users).where(eq(users.id, result.insertId));
    if (!created) throw new Error('inserted user not found');
    return created;
  } catch (error) {
    // Another request (say, another organization's identity provider) created the person just now.
    const raced = isDuplicate(error) ? await find() : undefined;
    if (raced) return raced;
    throw error;
  }
}

async function audit(tx: Tx, scope: ScimScope, action: string, membershipId: number, metadata: Record<string, unknown>): Promise<AuditEventRow> {
  return recordAudit(tx, scope.actor, { organizationId: scope.organizationId, action, targetType: 'membership', targetId: membershipId, metadata });
}

function storedAttributes(doc: Resource): Record<string, unknown> {
  const { userName: _u, externalId: _e, active: _a, ...rest } = doc;
  return rest;
}

export interface UserResult {
  resource: Resource;
  version: number;
  audit: AuditEventRow[];
}

async function finish(tx: Tx, scope: ScimScope, membershipId: number, auditEvents: AuditEventRow[]): Promise<UserResult> {
  const loaded = await load(tx, scope.organizationId, membershipId);
  const groups = await groupsOf(tx, [membershipId]);
  return { resource: toUserResource(loaded, groups.get(membershipId) ?? [], scope.baseUrl), version: loaded.membership.scimVersion, audit: auditEvents };
}

function mapDuplicate(error: unknown): never {
  if (isDuplicate(error)) throw uniqueness('A user with this userName or e-mail address already exists in this organization');
  throw error;
}

/** POST /Users. A person who is already a member (not through SCIM) is adopted, not duplicated. */
export async function createUser(db: Db, scope: ScimScope, body: Record<string, unknown>): Promise<UserResult> {
  const doc = normalizeResource(USER_TYPE, body);
  const { userName, externalId } = checkRequired(doc);
  const email = accountEmail(doc);
  const active = typeof doc['active'] === 'boolean' ? doc['active'] : true;
  try {
    return await inTransaction(db, async (tx) => {
      await assertUserNameFree(tx, scope.organizationId, userName, null);
      const user = await userFor(tx, email, displayNameOf(doc));
      const [existing] = await tx
        .select()
        .from(memberships)
        .where(and(eq(memberships.organizationId, scope.organizationId), eq(memberships.userId, user.id)))
        .for('update');
      if (existing?.scimUserName) throw uniqueness(`${email} is already provisioned in this organization as userName ${existing.scimUserName}`);
      const values = { scimUserName: userName, scimExternalId: externalId, scimAttributes: storedAttributes(doc), active };
      let membershipId: number;
      if (existing) {
        await tx.update(memberships).set({ ...values, scimVersion: sql`${memberships.scimVersion} + 1` }).where(eq(memberships.id, existing.id));
        membershipId = existing.id;
      } else {
        const [result] = await tx.insert(memberships).values({ organizationId: scope.organizationId, userId: user.id, role: 'member', ...values, scimVersion: 1 });
        membershipId = result.insertId;
      }
      const event = await audit(tx, scope, 'scim.user.created', membershipId, { userName, userId: String(user.id), active, adopted: Boolean(existing) });
      return finish(tx, scope, membershipId, [event]);
    });
  } catch (error) {
    return mapDuplicate(error);
  }
}

export async function getUser(db: Db, scope: ScimScope, id: number | null): Promise<UserResult> {
  const loaded = await load(db, scope.organizationId, id);
  const groups = await groupsOf(db, [loaded.membership.id]);
  return { resource: toUserResource(loaded, groups.get(loaded.membership.id) ?? [], scope.baseUrl), version: loaded.membership.scimVersion, audit: [] };
}

/**
 * GET /Users. Without a filter the page is read with LIMIT/OFFSET; with one, equality on
 * userName, externalId or id narrows the query and the filter decides on each candidate.
 */
export async function listUsers(db: Db, scope: ScimScope, query: ListQuery): Promise<{ resources: Resource[]; totalResults: number }> {
  const base = and(eq(memberships.organizationId, scope.organizationId), isNotNull(memberships.scimUserName));
  const select = () =>
    db.select({ membership: memberships, user: users }).from(memberships).innerJoin(users, eq(users.id, memberships.userId));
  const render = async (rows: Loaded[]) => {
    const groups = await groupsOf(db, rows.map((r) => r.membership.id));
    return rows.map((r) => toUserResource(r, groups.get(r.membership.id) ?? [], scope.baseUrl));
  };
  if (!query.filter) {
    const [total] = await db.select({ n: count() }).from(memberships).where(base);
    const rows = query.count === 0 ? [] : await select().where(base).orderBy(asc(memberships.id)).limit(query.count).offset(query.startIndex - 1);
    return { resources: (await render(rows)).map((r) => project(USER_TYPE, r, query)), totalResults: total?.n ?? 0 };
  }
  const filter = parseFilter(query.filter);
  checkFilter(USER_TYPE, filter);
  const userName = requiredEquality(filter, 'userName');
  const externalId = requiredEquality(filter, 'externalId');
  const idText = requiredEquality(filter, 'id');
  if (idText !== undefined && !/^[1-9]\d{0,17}$/.test(idText)) return { resources: [], totalResults: 0 };
  const rows = await select()
    .where(
      and(
        base,
        userName === undefined ? undefined : eq(memberships.scimUserName, userName),
        externalId === undefined ? undefined : eq(memberships.scimExternalId, externalId),
        idText === undefined ? undefined : eq(memberships.id, Number(idText)),
      ),
    )
    .orderBy(asc(memberships.id));
  // Group memberships are read for every candidate only when the filter looks at them; otherwise for the page alone.
  if (/groups/i.test(query.filter)) {
    const matching = (await render(rows)).filter((resource) => matches(USER_TYPE, filter, resource));
    const page = matching.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
    return { resources: page.map((r) => project(USER_TYPE, r, query)), totalResults: matching.length };
  }
  const matching = rows.filter((row) => matches(USER_TYPE, filter, toUserResource(row, [], scope.baseUrl)));
  const page = matching.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
  return { resources: (await render(page)).map((r) => project(USER_TYPE, r, query)), totalResults: matching.length };
}

/**
 * Writes a new document over a user: checks userName, follows a change of e-mail address to
 * the right global user (moving only this organization's membership), bumps the version.
 */
async function save(tx: Tx, scope: ScimScope, current: Loaded, doc: Resource, action: 'replaced' | 'patched'): Promise<UserResult> {
  const { userName, externalId } = checkRequired(doc);
  const { membership, user } = current;
  if (userName !== membership.scimUserName) await assertUserNameFree(tx, scope.organizationId, userName, membership.id);
  const email = accountEmail(doc);
  let userId = user.id;
  if (email.toLowerCase() !== user.email.toLowerCase()) {
    const [other] = await tx.select().from(users).where(eq(users.email, email));
    if (other) {
      const [clash] = await tx
        .select({ id: memberships.id })
        .from(memberships)
        .where(and(eq(memberships.organizationId, scope.organizationId), eq(memberships.userId, other.id)));
      if (clash) throw uniqueness(`${email} already belongs to another member of this organization`);
      userId = other.id;
    } else {
      const [others] = await tx.select({ n: count() }).from(memberships).where(and(eq(memberships.userId, user.id), ne(memberships.id, membership.id)));
      // The address is this organization's alone to change only when no other organization knows the person.
      if (!others?.n) await tx.update(users).set({ email }).where(eq(users.id, user.id));
      else userId = (await userFor(tx, email, displayNameOf(doc))).id;
    }
  }
  const active = typeof doc['active'] === 'boolean' ? doc['active'] : membership.active;
  await tx
    .update(memberships)
    .set({ userId, scimUserName: userName, scimExternalId: externalId, active, scimAttributes: storedAttributes(doc), scimVersion: sql`${memberships.scimVersion} + 1` })
    .where(eq(memberships.id, membership.id));
  const events = [await audit(tx, scope, `scim.user.${action}`, membership.id, { userName })];
  if (active !== membership.active) events.push(await audit(tx, scope, active ? 'scim.user.reactivated' : 'scim.user.deactivated', membership.id, { userName }));
  return finish(tx, scope, membership.id, events);
}

/** PUT /Users/{id}: the resource is replaced; an absent `active` leaves it as it was. */
export async function replaceUser(db: Db, scope: ScimScope, id: number | null, body: Record<string, unknown>, ifMatch: string | undefined): Promise<UserResult> {
  const doc = normalizeResource(USER_TYPE, body);
  try {
    return await inTransaction(db, async (tx) => {
      const current = await load(tx, scope.organizationId, id, true);
      checkIfMatch(ifMatch, current.membership.scimVersion);
      return save(tx, scope, current, doc, 'replaced');
    });
  } catch (error) {
    return mapDuplicate(error);
  }
}

/** PATCH /Users/{id}. */
export async function patchUser(db: Db, scope: ScimScope, id: number | null, operations: PatchOp[], ifMatch: string | undefined): Promise<UserResult> {
  try {
    return await inTransaction(db, async (tx) => {
      const current = await load(tx, scope.organizationId, id, true);
      checkIfMatch(ifMatch, current.membership.scimVersion);
      const doc = applyPatch(USER_TYPE, documentOf(current), operations);
      return save(tx, scope, current, doc, 'patched');
    });
  } catch (error) {
    return mapDuplicate(error);
  }
}

/** DELETE /Users/{id}: this organization's membership and its group memberships go; the global user stays. */
export async function deleteUser(db: Db, scope: ScimScope, id: number | null, ifMatch: string | undefined): Promise<AuditEventRow[]> {
  return inTransaction(db, async (tx) => {
    const current = await load(tx, scope.organizationId, id, true);
    checkIfMatch(ifMatch, current.membership.scimVersion);
    const groupIds = (await tx.select({ id: scimGroupMembers.groupId }).from(scimGroupMembers).where(eq(scimGroupMembers.membershipId, current.membership.id))).map((r) => r.id);
    if (groupIds.length) {
      await tx.delete(scimGroupMembers).where(eq(scimGroupMembers.membershipId, current.membership.id));
      await tx.update(scimGroups).set({ version: sql`${scimGroups.version} + 1` }).where(inArray(scimGroups.id, groupIds));
    }
    await tx.delete(memberships).where(eq(memberships.id, current.membership.id));
    return [await audit(tx, scope, 'scim.user.deleted', current.membership.id, { userName: current.membership.scimUserName, userId: String(current.user.id) })];
  });
}
