import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../../src/platform/storage/s3-file-store.js';

/** How s3rver names an object's content on its disk. */
const OBJECT_SUFFIX = '._S3rver_object';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * Keys of the objects stored under `prefix`, read from the server's folder: s3rver refuses
   * the AWS SDK's signature of bucket-level requests (ListObjects, CreateBucket), though not of
   * object requests, which are all the file store sends.
   */
  objectKeys(prefix: string): Promise<string[]>;
  /** The bucket the script creates; suites keep apart by key prefix (uniquePrefix). */
  bucket: string;
  client: S3Client;
  /** The environment that points the app at this server's bucket, under `prefix`. */
  env(prefix: string, extra?: Record<string, string>): Record<string, string>;
}

let started: Promise<S3Server | { skipped: string }> | undefined;

/**
 * The S3-compatible server of scripts/s3-server.sh, started if it is not running (it keeps
 * running for later suites, like the databases). When it cannot be started (its package is not
 * installed), the reason comes back and the caller skips its S3 tests, saying so.
 */
export function s3Server(): Promise<S3Server | { skipped: string }> {
  started ??= (async () => {
    try {
      execFileSync('bash', [path.join(ROOT, 'scripts/s3-server.sh'), 'start'], { cwd: ROOT, stdio: 'pipe', timeout: 60_000 });
    } catch (error) {
      const output = (error as { stderr?: Buffer }).stderr?.toString().trim();
      return { skipped: output || String(error) };
    }
    const vars = Object.fromEntries(
      execFileSync('bash', [path.join(ROOT, 'scripts/s3-server.sh'), 'env'], { cwd: ROOT, encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string]),
    );
    const server = {
      endpoint: vars['S3_ENDPOINT']!,
      region: vars['S3_REGION']!,
      accessKeyId: vars['S3_ACCESS_KEY_ID']!,
      secretAccessKey: vars['S3_SECRET_ACCESS_KEY']!,
    };
    const client = s3Client({ ...server, forcePathStyle: true });
    return {
      ...server,
      bucket: vars['S3_BUCKET']!,
      async objectKeys(prefix: string) {
        const dir = path.join(process.env['TRESTLE_S3_DIR'] ?? path.join(ROOT, '.data', 's3'), 'data', vars['S3_BUCKET']!);
        const entries = await readdir(path.join(dir, prefix), { recursive: true, withFileTypes: true }).catch(() => []);
        return entries
          .filter((e) => e.isFile() && e.name.endsWith(OBJECT_SUFFIX))
          .map((e) => path.relative(dir, path.join(e.parentPath, e.name.slice(0, -OBJECT_SUFFIX.length))))
          .sort();
      },
      client,
      env: (prefix: string, extra: Record<string, string> = {}) => ({ ...vars, S3_PREFIX: prefix, ...extra }),
    };
  })();
  return started;
}

/** A key prefix of its own for a suite, e.g. `test-storage-lx2k9a-4f7b1c/`. */
export function uniquePrefix(label: string): string {
  return `test-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}/`;
}
