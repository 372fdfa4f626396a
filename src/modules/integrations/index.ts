export { integrationError, INTEGRATION_EVENTS, syncCompleted, syncFailed } from './integrations.events.js';
export { integrationConnections } from './integration-connections.table.js';
export type { ConnectorCapability, ConnectorDefinition, FileConnector, FileFormat, FileImportSummary, FileScope } from './integrations.contract.js';
