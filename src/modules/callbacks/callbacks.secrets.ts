import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { CallbackProvider } from './callbacks.protocol.js';
import { CALLBACK_PROTOCOLS } from './callbacks.registry.js';

/**
 * The `integration_connections.credentials` entry holding a connection's callback secret,
 * sealed: `{ webhookVerifierToken }` (QuickBooks), `{ clientState }` (Microsoft Graph) or
 * `{ callbackSecret }` (Autodesk). Merge it into the credentials when connecting or rotating.
 */
export function sealCallbackSecret(secrets: SecretBox, provider: CallbackProvider, secret: string): Record<string, string> {
  if (secret.length === 0) throw new Error('a callback secret cannot be empty');
  return { [CALLBACK_PROTOCOLS[provider].secretField]: secrets.seal(secret) };
}
