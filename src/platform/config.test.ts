import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(4000);
    expect(config.RATE_LIMIT_PER_HOUR).toBe(1000);
    expect(config.DATABASE_URL).toMatch(/^mysql:\/\/.*:53306\//);
    expect(config.RUN_WORKER).toBe(true);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'postgres://x/y', RATE_LIMIT_PER_HOUR: '-5', RUN_WORKER: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'RATE_LIMIT_PER_HOUR', 'RUN_WORKER']) expect(problems).toContain(name);
  });

  it('quotes the bad value, except where it may hold a secret', () => {
    let problems: string[] = [];
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'postgres://u:hunter2@x/y', ENCRYPTION_KEY: 'short-secret' });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems.find((p) => p.startsWith('PORT:'))).toMatch(/\(got "abc"\)$/);
    expect(problems.join('\n')).toContain('DATABASE_URL');
    expect(problems.join('\n')).toContain('ENCRYPTION_KEY');
    expect(problems.join('\n')).not.toMatch(/hunter2|short-secret/);
  });

  it('loads .env beneath the environment, and never under NODE_ENV=test', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'trestle-env-'));
    const file = path.join(dir, '.env');
    await writeFile(file, 'TRESTLE_ENV_FILE_A=from-file\nTRESTLE_ENV_FILE_B=from-file\n');
    try {
      process.env['TRESTLE_ENV_FILE_B'] = 'from-environment';
      expect(loadDotEnv({ NODE_ENV: 'test' }, file)).toBe(false);
      expect(process.env['TRESTLE_ENV_FILE_A']).toBeUndefined();
      expect(loadDotEnv({}, file)).toBe(true);
      expect(process.env['TRESTLE_ENV_FILE_A']).toBe('from-file');
      expect(process.env['TRESTLE_ENV_FILE_B']).toBe('from-environment');
      expect(loadDotEnv({}, path.join(dir, 'missing.env'))).toBe(false);
    } finally {
      delete process.env['TRESTLE_ENV_FILE_A'];
      delete process.env['TRESTLE_ENV_FILE_B'];
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('follows the ports of the local servers when no URL is given', () => {
    const config = loadConfig({ TRESTLE_MYSQL_PORT: '43306', TRESTLE_PG_PORT: '45432' });
    expect(config.DATABASE_URL).toBe('mysql://trestle:trestle@127.0.0.1:43306/trestle');
    expect(config.QUEUE_DATABASE_URL).toBe('postgres://postgres@127.0.0.1:45432/trestle');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(4000);
  });

  it('refuses the benchmark-only no-auth switch in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', INSECURE_NO_AUTH_ORG_ID: '1' })).toThrow(/INSECURE_NO_AUTH_ORG_ID/);
  });

  it('keeps files in the local folder unless told otherwise', () => {
    const config = loadConfig({});
    expect(config.STORAGE_BACKEND).toBe('local');
    expect(config.STORAGE_DOWNLOADS).toBe('server');
  });

  it('reads the S3 settings', () => {
    const config = loadConfig({ STORAGE_BACKEND: 's3', S3_BUCKET: 'trestle-files', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true', S3_PREFIX: 'prod/eu/', STORAGE_DOWNLOADS: 'presigned' });
    expect(config).toMatchObject({ STORAGE_BACKEND: 's3', S3_BUCKET: 'trestle-files', S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: true, S3_PREFIX: 'prod/eu/', S3_PART_SIZE_MB: 8 });
  });

  it('refuses the S3 backend without a bucket, and every other bad storage setting, naming each', () => {
    expect(() => loadConfig({ STORAGE_BACKEND: 's3' })).toThrow('S3_BUCKET: required when STORAGE_BACKEND=s3');
    let error: unknown;
    try {
      loadConfig({ STORAGE_BACKEND: 's3', S3_ACCESS_KEY_ID: 'AKIA', STORAGE_DOWNLOADS: 'presigned' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual(['S3_BUCKET: required when STORAGE_BACKEND=s3', 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both or neither']);
    expect(() => loadConfig({ STORAGE_DOWNLOADS: 'presigned' })).toThrow('STORAGE_DOWNLOADS: presigned needs STORAGE_BACKEND=s3');
    expect(() => loadConfig({ STORAGE_BACKEND: 'gcs' })).toThrow(/STORAGE_BACKEND/);
    expect(() => loadConfig({ S3_BUCKET: 'Not_A_Bucket' })).toThrow(/S3_BUCKET: must be an S3 bucket name/);
    expect(() => loadConfig({ S3_PREFIX: 'no-slash' })).toThrow(/S3_PREFIX/);
    expect(() => loadConfig({ S3_PREFIX: '../up/' })).toThrow(/S3_PREFIX/);
    expect(() => loadConfig({ S3_PART_SIZE_MB: '4' })).toThrow(/S3_PART_SIZE_MB/);
  });
});
