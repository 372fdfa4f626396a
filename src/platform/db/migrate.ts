import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import type mysql from 'mysql2/promise';

/** The committed drizzle-kit output, found from this file whether it runs from src/ or dist/. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../migrations');

/**
 * Applies pending migrations. drizzle-kit's own `migrate` exits silently on MariaDB, so the
 * application applies them with drizzle-orm's migrator. Several processes may start at once
 * (server and worker): a named lock on one connection lets exactly one of them migrate.
 */
export async function runMigrations(pool: mysql.Pool, migrationsFolder = MIGRATIONS_DIR): Promise<void> {
  const conn = await pool.getConnection();
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>("SELECT GET_LOCK('trestle_migrations', 120) AS got");
    if (rows[0]?.['got'] !== 1) throw new Error('Timed out waiting for the migration lock');
    try {
      await migrate(drizzle({ client: conn }), { migrationsFolder });
    } finally {
      await conn.query("SELECT RELEASE_LOCK('trestle_migrations')");
    }
  } finally {
    conn.release();
  }
}
