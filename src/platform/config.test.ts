import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

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
});
