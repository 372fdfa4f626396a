import { and, asc, count, eq, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import { recordAudit, type AuditEventRow } from '../audit/index.js';
import { memberships } from '../organizations/index.js';
import { invalidValue, scimNotFound, uniqueness } from './scim.errors.js';
import { checkFilter, matches, parseFilter, requiredEquality } from './scim.filter.js';
import { applyPatch, type PatchOp } from './scim.patch.js';
import { isDuplicateKey as isDuplicate } from '../../platform/db/errors.js';
import { checkIfMatch, inTransaction, type Tx, meta, parseScimId, project, type ListQuery, type Resource } from './scim.resources.js';
import { GROUP_SCHEMA, GROUP_TYPE, normalizeResource } from './scim.schema.js';
import { scimGroupMembers } from './scim-group-members.table.js';
import { scimGroups, type ScimGroupRow } from './scim-groups.table.js';
import type { ScimScope } from './scim.users.js';

/** SCIM Groups of an organization; their members are SCIM Users (memberships) of the same organization. */

interface Member {
  id: number;
  display: string;
}

async function membersOf(db: DbOrTx, groupIds: number[]): Promise<Map<number, Member[]>> {
  const out = new Map<number, Member[]>();
  if (!groupIds.length) return out;
  const rows = await db
    .select({ groupId: scimGroupMembers.groupId, id: memberships.id, userName: memberships.scimUserName, attributes: memberships.scimAttributes })
    .from(scimGroupMembers)
    .innerJoin(memberships, eq(memberships.id, scimGroupMembers.membershipId))
    .where(inArray(scimGroupMembers.groupId, groupIds))
    .orderBy(asc(memberships.id));
  for (const row of rows) {
    const list = out.get(row.groupId) ?? [];
    const displayName = row.attributes?.['displayName'];
    list.push({ id: row.id, display: typeof displayName === 'string' && displayName ? displayName : (row.userName ?? '') });
    out.set(row.groupId, list);
  }
  return out;
}

export function toGroupResource(group: ScimGroupRow, members: Member[] | null, baseUrl: string): Resource {
  return {
    schemas: [GROUP_SCHEMA],
    id: String(group.id),
    ...(group.externalId ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...(members ? { members: members.map((m) => ({ value: String(m.id), display: m.display, type: 'User', $ref: `${baseUrl}/Users/${m.id}` })) } : {}),
    meta: meta(GROUP_TYPE, group.id, group.createdAt, group.updatedAt, group.version, baseUrl),
  };
}

export interface GroupResult {
  resource: Resource;
  version: number;
  audit: AuditEventRow[];
}

/** The member ids a document names, each checked to be a SCIM User of the organization. */
async function memberIds(tx: Tx, organizationId: number, doc: Resource): Promise<number[]> {
  const list = Array.isArray(doc['members']) ? (doc['members'] as Array<{ value?: unknown; type?: unknown }>) : [];
  const ids = new Set<number>();
  for (const member of list) {
    if (typeof member.type === 'string' && member.type.toLowerCase() !== 'user') throw invalidValue('Only users can be members of a group');
    const id = parseScimId(member.value);
    if (id === null) throw invalidValue(`members: ${JSON.stringify(member.value ?? null)} is not a user id`);
    ids.add(id);
  }
  if (!ids.size) return [];
  const found = await tx
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), isNotNull(memberships.scimUserName), inArray(memberships.id, [...ids])));
  const known = new Set(found.map((r) => r.id));
  const missing = [...ids].filter((id) => !known.has(id));
  if (missing.length) throw invalidValue(`members: no user ${missing.slice(0, 5).join(', ')} in this organization`);
  return [...ids];
}

function checkRequired(doc: Resource): { displayName: string; externalId: string | null } {
  const displayName = typeof doc['displayName'] === 'string' ? doc['displayName'].trim() : '';
  if (!displayName) throw invalidValue('displayName is required');
  if (displayName.length > 255) throw invalidValue('displayName is longer than 255 characters');
  const externalId = typeof doc['externalId'] === 'string' && doc['externalId'] ? doc['externalId'] : null;
  if (externalId && externalId.length > 255) throw invalidValue('externalId is longer than 255 characters');
  return { displayName, externalId };
}

async function assertNameFree(tx: Tx, organizationId: number, displayName: string, exceptId: number | null): Promise<void> {
  const [taken] = await tx
    .select({ id: scimGroups.id })
    .from(scimGroups)
    .where(and(eq(scimGroups.organizationId, organizationId), eq(scimGroups.displayName, displayName), exceptId === null ? undefined : ne(scimGroups.id, exceptId)));
  if (taken) throw uniqueness(`A group named ${displayName} already exists in this organization`);
}

async function load(db: DbOrTx, organizationId: number, id: number | null, forUpdate = false): Promise<ScimGroupRow> {
  if (id === null) throw scimNotFound('Group', 'id');
  const query = db.select().from(scimGroups).where(and(eq(scimGroups.id, id), eq(scimGroups.organizationId, organizationId)));
  const [row] = forUpdate ? await query.for('update') : await query;
  if (!row) throw scimNotFound('Group', String(id));
  return row;
}

async function finish(tx: DbOrTx, scope: ScimScope, groupId: number, events: AuditEventRow[], withMembers = true): Promise<GroupResult> {
  const group = await load(tx, scope.organizationId, groupId);
  const members = withMembers ? ((await membersOf(tx, [groupId])).get(groupId) ?? []) : null;
  return { resource: toGroupResource(group, members, scope.baseUrl), version: group.version, audit: events };
}

function mapDuplicate(error: unknown): never {
  if (isDuplicate(error)) throw uniqueness('A group with this displayName already exists in this organization');
  throw error;
}

async function setMembers(tx: Tx, organizationId: number, groupId: number, wanted: number[]): Promise<{ added: number; removed: number }> {
  const current = new Set((await tx.select({ id: scimGroupMembers.membershipId }).from(scimGroupMembers).where(eq(scimGroupMembers.groupId, groupId))).map((r) => r.id));
  const next = new Set(wanted);
  const add = wanted.filter((id) => !current.has(id));
  const remove = [...current].filter((id) => !next.has(id));
  if (remove.length) await tx.delete(scimGroupMembers).where(and(eq(scimGroupMembers.groupId, groupId), inArray(scimGroupMembers.membershipId, remove)));
  for (let i = 0; i < add.length; i += 500) {
    await tx.insert(scimGroupMembers).values(add.slice(i, i + 500).map((membershipId) => ({ groupId, membershipId, organizationId })));
  }
  return { added: add.length, removed: remove.length };
}

async function audit(tx: Tx, scope: ScimScope, action: string, groupId: number, metadata: Record<string, unknown>): Promise<AuditEventRow> {
  return recordAudit(tx, scope.actor, { organizationId: scope.organizationId, action, targetType: 'scim_group', targetId: groupId, metadata });
}

export async function createGroup(db: Db, scope: ScimScope, body: Record<string, unknown>): Promise<GroupResult> {
  const doc = normalizeResource(GROUP_TYPE, body);
  const { displayName, externalId } = checkRequired(doc);
  try {
    return await inTransaction(db, async (tx) => {
      await assertNameFree(tx, scope.organizationId, displayName, null);
      const ids = await memberIds(tx, scope.organizationId, doc);
      const [result] = await tx.insert(scimGroups).values({ organizationId: scope.organizationId, displayName, externalId, version: 1 });
      await setMembers(tx, scope.organizationId, result.insertId, ids);
      const event = await audit(tx, scope, 'scim.group.created', result.insertId, { displayName, members: ids.length });
      return finish(tx, scope, result.insertId, [event]);
    });
  } catch (error) {
    return mapDuplicate(error);
  }
}

export async function getGroup(db: Db, scope: ScimScope, id: number | null, withMembers: boolean): Promise<GroupResult> {
  await load(db, scope.organizationId, id);
  return finish(db, scope, id!, [], withMembers);
}

/** GET /Groups; members are read only when returned or filtered on (Entra ID asks with excludedAttributes=members). */
export async function listGroups(db: Db, scope: ScimScope, query: ListQuery): Promise<{ resources: Resource[]; totalResults: number }> {
  const base = eq(scimGroups.organizationId, scope.organizationId);
  const excluded = query.excludedAttributes.some((a) => a.toLowerCase() === 'members');
  const listed = !query.attributes.length || query.attributes.some((a) => a.toLowerCase().startsWith('members'));
  const filter = query.filter ? parseFilter(query.filter) : null;
  if (filter) checkFilter(GROUP_TYPE, filter);
  const needMembers = (!excluded && listed) || Boolean(query.filter && /members/i.test(query.filter));
  const render = async (rows: ScimGroupRow[]) => {
    const members = needMembers ? await membersOf(db, rows.map((r) => r.id)) : null;
    return rows.map((row) => toGroupResource(row, members ? (members.get(row.id) ?? []) : null, scope.baseUrl));
  };
  if (!filter) {
    const [total] = await db.select({ n: count() }).from(scimGroups).where(base);
    const rows = query.count === 0 ? [] : await db.select().from(scimGroups).where(base).orderBy(asc(scimGroups.id)).limit(query.count).offset(query.startIndex - 1);
    return { resources: (await render(rows)).map((r) => project(GROUP_TYPE, r, query)), totalResults: total?.n ?? 0 };
  }
  const displayName = requiredEquality(filter, 'displayName');
  const externalId = requiredEquality(filter, 'externalId');
  const idText = requiredEquality(filter, 'id');
  if (idText !== undefined && parseScimId(idText) === null) return { resources: [], totalResults: 0 };
  const rows = await db
    .select()
    .from(scimGroups)
    .where(
      and(
        base,
        displayName === undefined ? undefined : eq(scimGroups.displayName, displayName),
        externalId === undefined ? undefined : eq(scimGroups.externalId, externalId),
        idText === undefined ? undefined : eq(scimGroups.id, Number(idText)),
      ),
    )
    .orderBy(asc(scimGroups.id));
  const matching = (await render(rows)).filter((resource) => matches(GROUP_TYPE, filter, resource));
  const page = matching.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
  return { resources: page.map((r) => project(GROUP_TYPE, r, query)), totalResults: matching.length };
}

async function save(tx: Tx, scope: ScimScope, current: ScimGroupRow, doc: Resource, action: 'replaced' | 'patched'): Promise<GroupResult> {
  const { displayName, externalId } = checkRequired(doc);
  if (displayName !== current.displayName) await assertNameFree(tx, scope.organizationId, displayName, current.id);
  const ids = await memberIds(tx, scope.organizationId, doc);
  const changes = await setMembers(tx, scope.organizationId, current.id, ids);
  await tx
    .update(scimGroups)
    .set({ displayName, externalId, version: sql`${scimGroups.version} + 1` })
    .where(eq(scimGroups.id, current.id));
  const event = await audit(tx, scope, `scim.group.${action}`, current.id, { displayName, ...changes });
  return finish(tx, scope, current.id, [event]);
}

async function documentOf(tx: Tx, group: ScimGroupRow): Promise<Resource> {
  const members = (await membersOf(tx, [group.id])).get(group.id) ?? [];
  return {
    displayName: group.displayName,
    ...(group.externalId ? { externalId: group.externalId } : {}),
    ...(members.length ? { members: members.map((m) => ({ value: String(m.id) })) } : {}),
  };
}

export async function replaceGroup(db: Db, scope: ScimScope, id: number | null, body: Record<string, unknown>, ifMatch: string | undefined): Promise<GroupResult> {
  const doc = normalizeResource(GROUP_TYPE, body);
  try {
    return await inTransaction(db, async (tx) => {
      const current = await load(tx, scope.organizationId, id, true);
      checkIfMatch(ifMatch, current.version);
      return save(tx, scope, current, doc, 'replaced');
    });
  } catch (error) {
    return mapDuplicate(error);
  }
}

export async function patchGroup(db: Db, scope: ScimScope, id: number | null, operations: PatchOp[], ifMatch: string | undefined): Promise<GroupResult> {
  try {
    return await inTransaction(db, async (tx) => {
      const current = await load(tx, scope.organizationId, id, true);
      checkIfMatch(ifMatch, current.version);
      const doc = applyPatch(GROUP_TYPE, await documentOf(tx, current), operations);
      return save(tx, scope, current, doc, 'patched');
    });
  } catch (error) {
    return mapDuplicate(error);
  }
}

export async function deleteGroup(db: Db, scope: ScimScope, id: number | null, ifMatch: string | undefined): Promise<AuditEventRow[]> {
  return inTransaction(db, async (tx) => {
    const current = await load(tx, scope.organizationId, id, true);
    checkIfMatch(ifMatch, current.version);
    await tx.delete(scimGroupMembers).where(eq(scimGroupMembers.groupId, current.id));
    await tx.delete(scimGroups).where(eq(scimGroups.id, current.id));
    return [await audit(tx, scope, 'scim.group.deleted', current.id, { displayName: current.displayName })];
  });
}
