import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

export type ServerName = 'mariadb' | 'postgres';

/**
 * A MariaDB + PostgreSQL pair of the fault suite's own (scripts/services.sh with
 * TRESTLE_DATA_DIR and other ports), so the suite can kill and restart its servers without
 * touching the shared ones. Data and ports: TRESTLE_FAULTS_DATA_DIR (default .data/faults),
 * TRESTLE_FAULTS_MYSQL_PORT (53316), TRESTLE_FAULTS_PG_PORT (55442).
 */
export class DatabasePair {
  readonly dataDir = process.env['TRESTLE_FAULTS_DATA_DIR'] ?? path.join(ROOT, '.data', 'faults');
  readonly mysqlPort = Number(process.env['TRESTLE_FAULTS_MYSQL_PORT'] ?? 53316);
  readonly pgPort = Number(process.env['TRESTLE_FAULTS_PG_PORT'] ?? 55442);

  /** Runs services.sh against this pair only; DATABASE_URL and friends of the shell are not passed on. */
  async services(command: 'start' | 'stop' | 'kill' | 'status', server?: ServerName): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env, TRESTLE_DATA_DIR: this.dataDir, TRESTLE_MYSQL_PORT: String(this.mysqlPort), TRESTLE_PG_PORT: String(this.pgPort) };
    delete env['DATABASE_URL'];
    delete env['QUEUE_DATABASE_URL'];
    const { stdout } = await run('bash', [path.join(ROOT, 'scripts/services.sh'), command, ...(server ? [server] : [])], { env, cwd: ROOT });
    return stdout;
  }

  start(server?: ServerName): Promise<string> {
    return this.services('start', server);
  }

  /** SIGKILL: a crash, not a shutdown. */
  kill(server: ServerName): Promise<string> {
    return this.services('kill', server);
  }

  get postgresUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.pgPort}/trestle`;
  }

  mysqlUrl(database = 'trestle'): string {
    return `mysql://trestle:trestle@127.0.0.1:${this.mysqlPort}/${database}`;
  }

  /** A fresh database and queue schema for one run of the suite. */
  async createDatabases(label: string): Promise<{ mysqlUrl: string; queueSchema: string; database: string }> {
    const name = `f_${label}_${randomBytes(3).toString('hex')}`;
    const admin = await mysql.createConnection(this.mysqlUrl());
    try {
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await admin.end();
    }
    return { mysqlUrl: this.mysqlUrl(name), queueSchema: name, database: name };
  }

  async dropDatabase(database: string): Promise<void> {
    const admin = await mysql.createConnection(this.mysqlUrl());
    try {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    } finally {
      await admin.end();
    }
  }
}
