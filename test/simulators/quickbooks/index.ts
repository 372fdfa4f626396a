export {
  startQuickBooksSimulator,
  type FailureSpec,
  type QuickBooksSimulator,
  type QuickBooksSimulatorOptions,
  type RequestLogEntry,
  type SimulatorStats,
} from './server.js';
export { ENTITY_NAMES, type ChangeEvent, type EntityName, type QboObject } from './entities.js';
export { ACCOUNTING_SCOPE, type OAuthClient } from './oauth.js';
export { signWebhook, webhookBody, type WebhookDelivery, type WebhookFormat, type WebhookOptions } from './webhooks.js';
export { CDC_MAX_OBJECTS, CDC_WINDOW_MS } from './cdc.js';
export { basicAuth, callApi, connectClient, queryPath, type TokenSet } from './client.js';
export { countsFor, seedDataset, type DatasetCounts } from './dataset.js';
