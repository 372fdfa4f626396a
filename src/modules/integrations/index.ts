export { integrationError, INTEGRATION_EVENTS, syncCompleted, syncFailed } from './integrations.events.js';
export { integrationConnections, type IntegrationConnectionRow } from './integration-connections.table.js';
export { integrationLinks } from './integration-links.table.js';
export { integrationSyncLogs } from './integration-sync-logs.table.js';
export { integrationConflicts } from './integration-conflicts.table.js';
export {
  RemoteError,
  type ConnectorAuthKind,
  type ConnectorCapability,
  type ConnectorDefinition,
  type FileConnector,
  type FileFormat,
  type FileImportSummary,
  type FileScope,
  type OAuthProviderSettings,
  type RemoteApi,
  type RemoteChanges,
  type RemotePage,
  type RemoteTarget,
  type RemoteErrorKind,
  type RemoteObject,
  type SyncConnector,
  type SyncEntity,
  type SyncReferences,
  type SyncSession,
} from './integrations.contract.js';
export { ConnectorRegistry } from './integrations.registry.js';
export { IntegrationsResolver } from './integrations.resolver.js';
export { integrationsRouter } from './integrations.routes.js';
export { integrationSettings, OAUTH_CALLBACK_PATH, type IntegrationSettings } from './integrations.settings.js';
export { startSyncWorker, syncOnCallback } from './integrations.worker.js';
export { runSync, contentHash, type EngineDeps } from './integrations.engine.js';
export { accessTokenOf } from './integrations.oauth.js';
export { queueSync, ensureSyncQueue, createIntegration, startConnect, completeConnect, type IntegrationDeps } from './integrations.service.js';
export { runSyncJob, SYNC_PROGRESS_TOPIC, type SyncProgress } from './integrations.jobs.js';
