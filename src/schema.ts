import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type BuildSchemaOptions, type ContainerType, type PubSub } from 'type-graphql';
import { authChecker } from './platform/graphql/auth-checker.js';
import { AuditResolver } from './modules/audit/index.js';
import { KeysResolver, KeyVerifier } from './modules/keys/index.js';
import type { Db } from './platform/db/mysql.js';
import { createLogger } from './platform/logging/logger.js';
import { MembersResolver, ProjectsResolver } from './modules/organizations/index.js';
import { RECORD_RESOLVERS } from './modules/records/index.js';
import { ImportsResolver, type RunRetry } from './modules/imports/index.js';
import { ExportsResolver } from './modules/exports/index.js';
import type { FileStore } from './platform/storage/file-store.js';
import { LocalFileStore } from './platform/storage/local-file-store.js';
import { ViewerResolver } from './modules/viewer/index.js';
import { AlertsResolver } from './modules/alerts/index.js';
import { subscribedEventNames, WebhooksResolver, webhookSettings, type WebhookSettings } from './modules/webhooks/index.js';
import { SchedulesResolver } from './modules/schedules/index.js';
import { SecretBox } from './platform/crypto/secret-box.js';
import { SsoResolver, type SsoResolverDeps } from './modules/sso/index.js';
import { ScimResolver } from './modules/scim/index.js';
import { OAuthClientsResolver } from './modules/oauth/index.js';
import { loadConfig } from './platform/config.js';
import { IntegrationsResolver, integrationSettings, type ConnectorRegistry, type IntegrationSettings } from './modules/integrations/index.js';
import { buildConnectorRegistry } from './connectors.js';

export interface SchemaDeps {
  verifier: KeyVerifier;
  pubsub: PubSub;
  defaultRateLimit: number;
  store: FileStore;
  maxUploadBytes: number;
  secrets: SecretBox;
  webhookSettings: WebhookSettings;
  sso: SsoResolverDeps;
  connectors: ConnectorRegistry;
  integrationSettings: IntegrationSettings;
  /** pg-boss retries of import and export runs (JOB_RETRY_LIMIT, JOB_RETRY_DELAY_S). */
  jobRetry?: RunRetry;
}

/**
 * The GraphQL schema of every module. Resolvers that need services get them through their
 * constructor; this is the only place that builds them (no DI container).
 */
export async function buildAppSchema(deps: SchemaDeps): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>([
    [KeysResolver, new KeysResolver({ verifier: deps.verifier, defaultRateLimit: deps.defaultRateLimit })],
    [ViewerResolver, new ViewerResolver()],
    [ProjectsResolver, new ProjectsResolver()],
    [MembersResolver, new MembersResolver()],
    [AuditResolver, new AuditResolver()],
    [ImportsResolver, new ImportsResolver({ store: deps.store, maxUploadBytes: deps.maxUploadBytes, retry: deps.jobRetry })],
    [ExportsResolver, new ExportsResolver({ retry: deps.jobRetry })],
    [AlertsResolver, new AlertsResolver()],
    [OAuthClientsResolver, new OAuthClientsResolver()],
    [WebhooksResolver, new WebhooksResolver({ secrets: deps.secrets, settings: deps.webhookSettings })],
    [SsoResolver, new SsoResolver(deps.sso)],
    [SchedulesResolver, new SchedulesResolver({ store: deps.store, maxUploadBytes: deps.maxUploadBytes, subscribedEvents: subscribedEventNames })],
    [IntegrationsResolver, new IntegrationsResolver({ secrets: deps.secrets, registry: deps.connectors, settings: deps.integrationSettings })],
    ...RECORD_RESOLVERS.map((R) => [R, new R()] as const),
    [ScimResolver, new ScimResolver()],
  ]);
  const container: ContainerType = {
    get: (someClass) => {
      const instance = instances.get(someClass);
      if (!instance) throw new Error(`No resolver instance registered for ${String((someClass as { name?: string }).name)}`);
      return instance;
    },
  };
  return buildSchema({
    resolvers: [ViewerResolver, KeysResolver, ProjectsResolver, MembersResolver, AuditResolver, ImportsResolver, ExportsResolver, WebhooksResolver, AlertsResolver, OAuthClientsResolver, SsoResolver, SchedulesResolver, IntegrationsResolver, ...RECORD_RESOLVERS, ScimResolver] as BuildSchemaOptions['resolvers'],
    container,
    authChecker,
    pubSub: deps.pubsub,
    validate: false,
  });
}

/** The schema as committed in schema/schema.graphql: sorted, so the file changes only when the API does. */
export function printAppSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

/**
 * The schema without databases, for printing and checks: resolvers are built but never run,
 * so their services are inert stand-ins.
 */
export function buildDetachedSchema(): Promise<GraphQLSchema> {
  const inert: PubSub = {
    publish: () => undefined,
    subscribe: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: true, value: undefined }) }) }),
  };
  const verifier = new KeyVerifier(null as unknown as Db, { ttlMs: 0, flushMs: 60_000, logger: createLogger('silent') });
  const config = loadConfig({ NODE_ENV: 'test' });
  return buildAppSchema({
    verifier,
    pubsub: inert,
    defaultRateLimit: 1000,
    store: new LocalFileStore('/nonexistent'),
    maxUploadBytes: 1,
    secrets: SecretBox.fromPassphrase('detached'),
    sso: { secrets: SecretBox.fromPassphrase('detached'), publicUrl: () => 'http://localhost:4000', allowHttp: false, dnsServers: [] },
    webhookSettings: webhookSettings(config),
    connectors: buildConnectorRegistry(config),
    integrationSettings: integrationSettings(config),
  });
}
