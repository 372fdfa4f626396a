export { integrationError, INTEGRATION_EVENTS, syncCompleted, syncFailed } from './integrations.events.js';
export { integrationConnections } from './integration-connections.table.js';
