export { quickbooksConnector, type QuickBooksSettings } from './quickbooks.connector.js';
export { QuickBooksConfigSchema, type QuickBooksConfig } from './quickbooks.config.js';
export { QUICKBOOKS_ENTITIES } from './quickbooks.mapping.js';
export { RequestLimiter } from './quickbooks.limiter.js';
