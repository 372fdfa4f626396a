export { apiKeys, KEY_ENVIRONMENTS, type ApiKeyRow, type KeyEnvironment } from './keys.table.js';
export { createApiKey, getApiKey, listApiKeys, revokeApiKey, regenerateApiKey, updateApiKey, keyState } from './keys.service.js';
export { keysRouter } from './keys.routes.js';
export { generateKey, isWellFormedKey, KEY_PATTERN } from './keys.format.js';
export { KeyVerifier } from './keys.verifier.js';
export { KeysResolver } from './keys.resolver.js';
export { apiKeyCreated, apiKeyRevoked, KEY_EVENTS } from './keys.events.js';
