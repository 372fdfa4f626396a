import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';

export type Db = MySql2Database;
/** A transaction or the database: functions that write take this so a caller can pass either. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export interface MySql {
  pool: mysql.Pool;
  db: Db;
  close(): Promise<void>;
}

/**
 * mysql2's own formatting, except that a statement without values is sent as it is. mysql2
 * otherwise scans every statement for placeholders, also when it has none to fill: for the
 * import's hand-built multi-row upserts (a megabyte per statement, escaped already) that scan
 * was a sixth of the import's CPU time (bench:import profile).
 */
function formatQuery(this: { config: { stringifyObjects?: boolean; timezone?: string } }, statement: string, values: unknown): string {
  if (values === undefined || values === null || (Array.isArray(values) && values.length === 0)) return statement;
  return mysql.format(statement, values as Parameters<typeof mysql.format>[1], this.config.stringifyObjects ?? false, this.config.timezone ?? 'local');
}

const STRICT_SESSION =
  "SET SESSION sql_mode = IF(FIND_IN_SET('STRICT_TRANS_TABLES', @@SESSION.sql_mode) OR FIND_IN_SET('STRICT_ALL_TABLES', @@SESSION.sql_mode), " +
  "@@SESSION.sql_mode, CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_TRANS_TABLES'))";

/** One pool per process; UTC on the wire so DATETIME columns round-trip as the same instant. */
export function connectMySql(url: string, poolSize: number): MySql {
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: poolSize,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    enableKeepAlive: true,
    charset: 'utf8mb4_unicode_ci',
    queryFormat: formatQuery,
  });
  // Strict mode on every connection, whatever the server's default: a value that does not fit
  // fails the statement instead of being truncated or zeroed.
  pool.pool.on('connection', (connection) => {
    // Queued before anything the pool hands this connection out for. A connection that cannot
    // be made strict is not used: its next query fails, and the pool opens another.
    connection.query(STRICT_SESSION, (error) => {
      if (error) connection.destroy();
    });
  });
  const db = drizzle({ client: pool });
  return {
    pool,
    db,
    close: () => pool.end(),
  };
}

/**
 * Runs `fn` in a transaction on one pooled connection (for hand-written SQL: locking reads,
 * SKIP LOCKED batches); commits when it resolves, rolls back when it throws, always releases.
 * `readCommitted` takes no gap locks, so locking reads do not block inserts behind them.
 */
export async function withConnectionTransaction<T>(
  pool: mysql.Pool,
  fn: (conn: mysql.PoolConnection) => Promise<T>,
  options: { readCommitted?: boolean } = {},
): Promise<T> {
  const conn = await pool.getConnection();
  try {
    if (options.readCommitted) await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    await conn.beginTransaction();
    const result = await fn(conn);
    await conn.commit();
    return result;
  } catch (error) {
    await conn.rollback().catch(() => undefined);
    throw error;
  } finally {
    conn.release();
  }
}
