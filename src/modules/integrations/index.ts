export { integrationError, INTEGRATION_EVENTS, syncCompleted, syncFailed } from './integrations.events.js';
