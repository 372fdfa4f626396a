import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logging/logger.js';
import { createOrganization } from '../../src/modules/organizations/index.js';
import { createApiKey } from '../../src/modules/keys/index.js';
import { createTestDatabases, POSTGRES_URL, type TestDatabases } from './databases.js';

export interface TestApp {
  app: App;
  config: Config;
  databases: TestDatabases;
  url: string;
  wsUrl: string;
  createOrganization(name?: string): Promise<{ id: number; name: string }>;
  createKey(organizationId: number, scopes?: string[], options?: { rateLimit?: number; expiresAt?: Date }): Promise<{ id: number; plaintext: string }>;
  close(options: { dropData: boolean }): Promise<void>;
}

/** The environment of a suite's app: its own databases, quiet logs, any port. */
export function testEnv(databases: TestDatabases, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    DATABASE_URL: databases.mysqlUrl,
    QUEUE_DATABASE_URL: POSTGRES_URL,
    QUEUE_SCHEMA: databases.queueSchema,
    DB_POOL_SIZE: '5',
    ...overrides,
  };
}

/** Starts the whole app in this process on a free port, against databases of its own. */
export async function startTestApp(
  label: string,
  overrides: Record<string, string> = {},
  appOptions: Omit<AppOptions, 'http' | 'worker'> = {},
): Promise<TestApp> {
  const databases = await createTestDatabases(label);
  const config = loadConfig(testEnv(databases, overrides));
  const logger = createLogger(config.LOG_LEVEL, { suite: label });
  const app = await createApp(config, logger, { ...appOptions, http: true, worker: true });
  const port = await app.listen(0, '127.0.0.1');
  let orgCounter = 0;
  const system = { type: 'system' as const, id: 'test' };
  return {
    app,
    config,
    databases,
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    async createOrganization(name) {
      orgCounter += 1;
      const org = await createOrganization(app.services.db, system, { name: name ?? `Org ${orgCounter}` });
      return { id: org.id, name: org.name };
    },
    async createKey(organizationId, scopes = ['*'], options = {}) {
      const created = await createApiKey(
        app.services.db,
        system,
        null,
        { organizationId, name: `test key`, scopes, rateLimit: options.rateLimit, expiresAt: options.expiresAt },
        config.RATE_LIMIT_PER_HOUR,
      );
      return { id: created.key.id, plaintext: created.plaintext };
    },
    async close({ dropData }) {
      await app.close();
      if (dropData) await databases.drop();
    },
  };
}

export interface GraphQLResponse<T> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }> | undefined;
}

/** Sends one typed operation over HTTP, the way a partner app would. */
export async function execute<T, V>(
  url: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  options: { key?: string | undefined; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLResponse<T>['errors'] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** The error codes of a response, in order. */
export function codes(response: GraphQLResponse<unknown>): unknown[] {
  return (response.errors ?? []).map((e) => e.extensions?.['code']);
}
