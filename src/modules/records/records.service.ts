import { and, desc, eq, getTableName, inArray, like, lt, or, sql, type SQL } from 'drizzle-orm';
import { escape, type ResultSetHeader } from 'mysql2';
import type { Db, DbOrTx } from '../../platform/db/mysql.js';
import { mysqlErrorCode } from '../../platform/db/errors.js';
import { SqlValues } from '../../platform/db/sql-values.js';
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

/**
 * A multi-row upsert met a record of another origin id through one of its unique values (or
 * two such records at once), so it wrote nothing. Validation looks such values up first; this
 * is the database's own check, for what changed after the lookup.
 */
export class RecordOwnershipConflict extends Error {
  constructor(cause: unknown) {
    super('a row holds a unique value of a record with another origin id', { cause });
    this.name = 'RecordOwnershipConflict';
  }
}

export interface UpsertResult {
  inserted: number;
  updated: number;
}

/**
 * Inserts or updates records by origin id in one multi-row statement. Every record must carry
 * an origin id. Only the fields the records carry are written: an import that maps some columns
 * updates those and leaves the others alone. An empty value in a NOT NULL column with a default
 * takes the default. A row updates only the record of its own origin id: one whose unique code
 * is another record's fails the statement (RecordOwnershipConflict, see RecordUpsert); the
 * validation engine reports such collisions before anything is written.
 */
export async function upsertRecords(
  db: DbOrTx,
  type: EntityType,
  scope: RecordScope,
  records: ReadonlyArray<Record<string, unknown>>,
): Promise<UpsertResult> {
  if (records.length === 0) return { inserted: 0, updated: 0 };
  const keys = writableKeys(type).filter((key) => records.some((r) => r[key] !== undefined));
  const upsert = new RecordUpsert(type, scope, keys);
  const values = new SqlValues();
  upsert.encode(records, values);
  return upsert.run(db, values);
}

/**
 * The multi-row upsert of one record type and scope, for a fixed set of fields, with its rows
 * encoded ahead of the statement: `encode` writes records into SqlValues as they are checked,
 * `run` sends them as one statement. A bulk import encodes each chunk at once and keeps only
 * those bytes until they are written: the records themselves die young, which spares the garbage
 * collector copying and promoting thousands of row objects that wait for MySQL (see README,
 * Benchmarks).
 *
 * The statement is built here rather than with drizzle's builder: for a thousand rows that
 * builder cost a third of an import's time. Values are escaped as mysql2 escapes them.
 * Inserted and updated rows are told apart by the affected-row count (1 per insert, 2 per
 * update: updated_at always changes).
 */
export class RecordUpsert {
  private readonly columns: ReadonlyArray<{ key: string; name: string; defaultWhenEmpty: boolean }>;
  private readonly organizationId: number;
  private readonly projectId: number | null;
  private readonly head: string;
  private readonly tail: string;

  /** `keys`: the fields every statement writes (originId among them); a record lacking one writes NULL or the default. */
  constructor(type: EntityType, scope: RecordScope, keys: readonly string[]) {
    const def = entityDef(type);
    if (def.projectScoped && scope.projectId === null) throw new Error(`${type} need a project`);
    if (!keys.includes('originId')) throw new Error('an upsert writes the originId');
    const table = RECORD_TABLES[type];
    const writable = new Set(writableKeys(type));
    this.columns = keys.map((key) => {
      if (!writable.has(key)) throw new Error(`${type} have no writable field ${key}`);
      const column = columnOf(table, key);
      return { key, name: column.name, defaultWhenEmpty: column.notNull && column.hasDefault };
    });
    this.organizationId = scope.organizationId;
    this.projectId = def.projectScoped ? scope.projectId : null;
    const names = [...(def.projectScoped ? ['organization_id', 'project_id'] : ['organization_id']), ...this.columns.map((c) => c.name)];
    const updates = [
      // The guard, first: a row may update only the record of its own origin id. When the row
      // meets another record through a unique value (a code that record holds), the IF takes
      // its other branch, a subquery of two rows, and MariaDB fails the whole statement
      // (ER_SUBQUERY_NO_1_ROW) in any SQL mode, instead of overwriting that record. (A NULL in
      // a NOT NULL column fails only in strict mode; a NULL id even becomes 0 there.)
      '`organization_id` = IF(`origin_id` <=> VALUES(`origin_id`), `organization_id`, (SELECT 1 UNION ALL SELECT 2))',
      ...this.columns.filter((c) => c.key !== 'originId').map((c) => `\`${c.name}\` = VALUES(\`${c.name}\`)`),
      '`updated_at` = CURRENT_TIMESTAMP(3)',
    ];
    this.head = `INSERT INTO \`${getTableName(table)}\` (${names.map((n) => `\`${n}\``).join(',')}) VALUES `;
    this.tail = ` ON DUPLICATE KEY UPDATE ${updates.join(', ')}`;
  }

  /**
   * Appends the rows of `records` to `into`.
   * @throws Error when a record has no origin id (nothing of that record is written).
   */
  encode(records: ReadonlyArray<Record<string, unknown>>, into: SqlValues): void {
    const columns = this.columns;
    for (const record of records) {
      const origin = record['originId'];
      if (typeof origin !== 'string' || origin === '') throw new Error('every record needs an originId');
    }
    for (let r = 0; r < records.length; r++) {
      const record = records[r]!;
      into.startRow();
      into.value(this.organizationId);
      if (this.projectId !== null) into.value(this.projectId);
      for (let c = 0; c < columns.length; c++) {
        const { key, defaultWhenEmpty } = columns[c]!;
        const value = record[key];
        if (value === null || value === undefined) into.raw(defaultWhenEmpty ? 'DEFAULT' : 'NULL');
        else into.value(value);
      }
      into.endRow();
    }
  }

  /**
   * One statement of the rows in `values`.
   * @throws RecordOwnershipConflict when a row met a record of another origin id through a unique
   *   value; the statement then wrote nothing.
   */
  async run(db: DbOrTx, values: SqlValues): Promise<UpsertResult> {
    const rows = values.rows;
    if (rows === 0) return { inserted: 0, updated: 0 };
    let result: ResultSetHeader;
    try {
      [result] = (await db.execute(sql.raw(this.head + values.toString() + this.tail))) as unknown as [ResultSetHeader];
    } catch (error) {
      const code = mysqlErrorCode(error);
      if (code === 'ER_SUBQUERY_NO_1_ROW' || code === 'ER_DUP_ENTRY') throw new RecordOwnershipConflict(error);
      throw error;
    }
    const updated = Math.max(0, Math.min(rows, result.affectedRows - rows));
    return { inserted: rows - updated, updated };
  }
}

/** scopeWhere as SQL text, for the hand-built statements below. */
function scopeWhereSql(type: EntityType, scope: RecordScope): string {
  const where = `\`organization_id\` = ${escape(scope.organizationId)}`;
  return entityDef(type).projectScoped && scope.projectId !== null ? `${where} AND \`project_id\` = ${escape(scope.projectId)}` : where;
}

export interface RecordFilter {
  /** Substring of the record's text fields (code, name, number, …). */
  search?: string | null | undefined;
  originIds?: string[] | null | undefined;
  updatedSince?: Date | null | undefined;
}

/**
 * The WHERE clause of a listing: the scope (organization, and project for project records), then
 * the filter. Listings and exports use this one definition, so they always select the same rows.
 */
export function recordsWhere(type: EntityType, scope: RecordScope, filter: RecordFilter = {}): SQL {
  const table = RECORD_TABLES[type];
  const conditions: Array<SQL | undefined> = [scopeWhere(type, scope)];
  if (filter.originIds?.length) conditions.push(inArray(columnOf(table, 'originId'), filter.originIds));
  if (filter.updatedSince) conditions.push(sql`${columnOf(table, 'updatedAt')} >= ${filter.updatedSince}`);
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const textKeys = entityDef(type)
      .fields.filter((f) => f.type === 'string' && ['code', 'name', 'number', 'lastName', 'description', 'wbs'].includes(f.key))
      .map((f) => like(columnOf(table, f.key), pattern));
    if (textKeys.length) conditions.push(or(...textKeys));
  }
  return and(...conditions)!;
}

export async function listRecords(
  db: Db,
  type: EntityType,
  scope: RecordScope,
  page: Page,
  filter: RecordFilter = {},
): Promise<RecordRow[]> {
  const table = RECORD_TABLES[type];
  const where = recordsWhere(type, scope, filter);
  const rows = await db
    .select()
    .from(table)
    .where(page.beforeId === null ? where : and(where, lt(columnOf(table, 'id'), page.beforeId)))
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
  const column = columnOf(table, field).name;
  // Hand-built for the same reason as upsertRecords: imports ask this once per chunk and field,
  // with a thousand values, and drizzle's builder made a parameter object of each.
  const where = scopeWhereSql(type, scope);
  const list = [...new Set(values)].map((v) => escape(v)).join(',');
  const statement = `SELECT \`${column}\` AS value, \`${columnOf(table, 'originId').name}\` AS originId FROM \`${getTableName(table)}\` WHERE ${where} AND \`${column}\` IN (${list})`;
  const [rows] = (await db.execute(sql.raw(statement))) as unknown as [Array<{ value: unknown; originId: string | null }>];
  for (const row of rows) owners.set(String(row.value), row.originId ?? null);
  return owners;
}

/**
 * Every non-null value of `field` among the scope's records, or null when the scope holds more
 * than `maxRecords` records (the caller then asks about values as it meets them).
 */
export async function recordValues(db: Db, type: EntityType, scope: RecordScope, field: string, maxRecords: number): Promise<string[] | null> {
  const table = RECORD_TABLES[type];
  const where = scopeWhereSql(type, scope);
  const column = columnOf(table, field).name;
  // One more than allowed tells "too many" without counting them all.
  const statement = `SELECT \`${column}\` AS value FROM \`${getTableName(table)}\` WHERE ${where} AND \`${column}\` IS NOT NULL LIMIT ${maxRecords + 1}`;
  const [rows] = (await db.execute(sql.raw(statement))) as unknown as [Array<{ value: unknown }>];
  if (rows.length > maxRecords) return null;
  return rows.map((row) => String(row.value));
}

/** Row ids by origin id, in the scope; for the record events of a chunk (before and after its upsert). */
export async function recordIdsByOrigin(db: DbOrTx, type: EntityType, scope: RecordScope, originIds: readonly string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (originIds.length === 0) return ids;
  const table = RECORD_TABLES[type];
  const where = scopeWhereSql(type, scope);
  const list = [...new Set(originIds)].map((v) => escape(v)).join(',');
  const origin = columnOf(table, 'originId').name;
  const statement = `SELECT \`id\` AS id, \`${origin}\` AS originId FROM \`${getTableName(table)}\` WHERE ${where} AND \`${origin}\` IN (${list})`;
  const [rows] = (await db.execute(sql.raw(statement))) as unknown as [Array<{ id: number; originId: string }>];
  for (const row of rows) ids.set(String(row.originId), Number(row.id));
  return ids;
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
