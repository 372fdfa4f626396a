import { and, desc, eq, inArray, like, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import type { Page } from '../../platform/graphql/pagination.js';
import { entityDef, type EntityType } from './records.catalog.js';
import { columnOf, RECORD_TABLES } from './records.tables.js';

/** Whose records: an organization, and a project for project records. */
export interface RecordScope {
  organizationId: number;
  projectId: number | null;
}

export type RecordRow = Record<string, unknown> & { id: number; originId: string | null };

function scopeWhere(type: EntityType, scope: RecordScope): SQL {
  const table = RECORD_TABLES[type];
  const org = eq(columnOf(table, 'organizationId'), scope.organizationId);
  if (!entityDef(type).projectScoped || scope.projectId === null) return org;
  return and(org, eq(columnOf(table, 'projectId'), scope.projectId))!;
}

/** The fields of a record that the caller may set: the catalog's, plus the origin id. */
function writableKeys(type: EntityType): string[] {
  const keys = entityDef(type).fields.map((f) => f.key);
  return keys.includes('originId') ? keys : ['originId', ...keys];
}

export interface UpsertResult {
  inserted: number;
  updated: number;
}

/**
 * Inserts or updates records by origin id in one multi-row statement. Every record must carry
 * an origin id. The origin id of an existing row is never rewritten, so a record whose unique
 * code collides with another row's updates that row rather than stealing its identity; the
 * validation engine reports such collisions before anything is written.
 */
export async function upsertRecords(
  db: DbOrTx,
  type: EntityType,
  scope: RecordScope,
  records: ReadonlyArray<Record<string, unknown>>,
): Promise<UpsertResult> {
  if (records.length === 0) return { inserted: 0, updated: 0 };
  const def = entityDef(type);
  if (def.projectScoped && scope.projectId === null) throw new Error(`${type} need a project`);
  const table = RECORD_TABLES[type];
  const keys = writableKeys(type);
  const originIds = records.map((r) => r['originId']);
  if (originIds.some((o) => typeof o !== 'string' || o === '')) throw new Error('every record needs an originId');

  const existing = await db
    .select({ originId: columnOf(table, 'originId') })
    .from(table)
    .where(and(scopeWhere(type, scope), inArray(columnOf(table, 'originId'), originIds as string[])));
  const known = new Set(existing.map((r) => r.originId as string));

  const rows = records.map((record) => {
    const row: Record<string, unknown> = { organizationId: scope.organizationId };
    if (def.projectScoped) row['projectId'] = scope.projectId;
    for (const key of keys) if (record[key] !== undefined) row[key] = record[key];
    return row;
  });
  const set: Record<string, SQL> = {};
  for (const key of keys) {
    if (key === 'originId') continue;
    const column = columnOf(table, key);
    set[key] = sql.raw(`VALUES(\`${column.name}\`)`);
  }
  set['updatedAt'] = sql`CURRENT_TIMESTAMP(3)`;
  await db.insert(table).values(rows).onDuplicateKeyUpdate({ set });
  const unique = new Set(originIds as string[]);
  const updated = [...unique].filter((o) => known.has(o)).length;
  return { inserted: unique.size - updated, updated };
}

export interface RecordFilter {
  /** Substring of the record's text fields (code, name, number, …). */
  search?: string | null | undefined;
  originIds?: string[] | null | undefined;
  updatedSince?: Date | null | undefined;
}

export async function listRecords(
  db: Db,
  type: EntityType,
  scope: RecordScope,
  page: Page,
  filter: RecordFilter = {},
): Promise<RecordRow[]> {
  const table = RECORD_TABLES[type];
  const conditions: Array<SQL | undefined> = [scopeWhere(type, scope)];
  if (page.beforeId !== null) conditions.push(lt(columnOf(table, 'id'), page.beforeId));
  if (filter.originIds?.length) conditions.push(inArray(columnOf(table, 'originId'), filter.originIds));
  if (filter.updatedSince) conditions.push(sql`${columnOf(table, 'updatedAt')} >= ${filter.updatedSince}`);
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const textKeys = entityDef(type)
      .fields.filter((f) => f.type === 'string' && ['code', 'name', 'number', 'lastName', 'description', 'wbs'].includes(f.key))
      .map((f) => like(columnOf(table, f.key), pattern));
    if (textKeys.length) conditions.push(or(...textKeys));
  }
  const rows = await db
    .select()
    .from(table)
    .where(and(...conditions))
    .orderBy(desc(columnOf(table, 'id')))
    .limit(page.limit + 1);
  return rows as RecordRow[];
}

/**
 * Which of `values` of `field` exist among the scope's records, and the origin id of the row
 * holding each: the validation engine's view of the database.
 */
export async function recordOwners(
  db: Db,
  type: EntityType,
  scope: RecordScope,
  field: string,
  values: readonly string[],
): Promise<Map<string, string | null>> {
  const owners = new Map<string, string | null>();
  if (values.length === 0) return owners;
  const table = RECORD_TABLES[type];
  const column = columnOf(table, field);
  const rows = await db
    .select({ value: column, originId: columnOf(table, 'originId') })
    .from(table)
    .where(and(scopeWhere(type, scope), inArray(column, [...new Set(values)])));
  for (const row of rows) owners.set(String(row.value), (row.originId as string | null) ?? null);
  return owners;
}

/** One record of the organization by id, or null (other organizations' records read as missing). */
export async function getRecord(db: Db, type: EntityType, organizationId: number, id: number): Promise<RecordRow | null> {
  const table = RECORD_TABLES[type];
  const [row] = await db
    .select()
    .from(table)
    .where(and(eq(columnOf(table, 'organizationId'), organizationId), eq(columnOf(table, 'id'), id)));
  return (row as RecordRow | undefined) ?? null;
}
