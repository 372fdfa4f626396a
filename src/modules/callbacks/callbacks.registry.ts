import { autodeskProtocol } from './callbacks.autodesk.js';
import { msgraphProtocol } from './callbacks.msgraph.js';
import type { CallbackProtocol, CallbackProvider } from './callbacks.protocol.js';
import { quickbooksProtocol } from './callbacks.quickbooks.js';

/** Each provider's protocol, by the provider segment of `/hooks/<provider>/<connectionId>`. */
export const CALLBACK_PROTOCOLS: Record<CallbackProvider, CallbackProtocol> = {
  quickbooks: quickbooksProtocol,
  msgraph: msgraphProtocol,
  autodesk: autodeskProtocol,
};
