export { webhooks, type WebhookRow } from './webhooks.table.js';
export { webhookDeliveries } from './webhook-deliveries.table.js';
export { webhookLogs } from './webhook-logs.table.js';
export { WebhooksResolver } from './webhooks.resolver.js';
export { subscribedEventNames } from './webhooks.service.js';
export { startWebhookWorker } from './webhooks.worker.js';
export { webhookSettings, type WebhookSettings } from './webhooks.settings.js';
export { EVENT_CATALOG } from './webhooks.catalog.js';
export { webhookDisabled, webhookTest } from './webhooks.events.js';
