import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { localDatabaseUrls } from '../../src/platform/config.js';

/** The servers the suite runs against: DATABASE_URL / QUEUE_DATABASE_URL, or the project's own. */
export const MYSQL_URL = process.env['DATABASE_URL'] || localDatabaseUrls().mysql;
export const POSTGRES_URL = process.env['QUEUE_DATABASE_URL'] || localDatabaseUrls().postgres;

export interface TestDatabases {
  /** DATABASE_URL of a database of this suite's own. */
  mysqlUrl: string;
  /** pg-boss schema of this suite's own. */
  queueSchema: string;
  /** Drops both; call only when the suite passed, so a failure leaves its data to look at. */
  drop(): Promise<void>;
}

/** A fresh MySQL database and PostgreSQL schema name for one suite (pg-boss creates the schema). */
export async function createTestDatabases(label: string): Promise<TestDatabases> {
  const suffix = `${label.replace(/[^a-z0-9]/gi, '_').slice(0, 20)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const database = `t_${suffix}`;
  const queueSchema = `t_${suffix}`;
  const admin = await mysql.createConnection(MYSQL_URL);
  try {
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  return {
    mysqlUrl: url.toString(),
    queueSchema,
    async drop() {
      const conn = await mysql.createConnection(MYSQL_URL);
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await conn.end();
      }
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${queueSchema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
