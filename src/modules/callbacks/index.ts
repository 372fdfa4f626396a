export { callbacksRouter } from './callbacks.routes.js';
export { startCallbackWorker } from './callbacks.worker.js';
export { callbackSettings, type CallbackContext, type CallbackHandler, type CallbackHandlers, type CallbackSettings } from './callbacks.service.js';
export { CALLBACK_PROVIDERS, type CallbackEvent, type CallbackProvider } from './callbacks.protocol.js';
export { CALLBACK_PROTOCOLS } from './callbacks.registry.js';
export { sealCallbackSecret } from './callbacks.secrets.js';
export { inboundCallbacks, type EntityChange } from './inbound-callbacks.table.js';
export { inboundCallbackRejections } from './inbound-callback-rejections.table.js';
