import type { Config } from '../../platform/config.js';
import type { ConnectorDefinition } from '../integrations/index.js';
import { QuickBooksClient } from './quickbooks.client.js';
import { QuickBooksConfigSchema, type QuickBooksConfig } from './quickbooks.config.js';
import { LimiterRegistry } from './quickbooks.limiter.js';
import { QUICKBOOKS_ENTITIES } from './quickbooks.mapping.js';

/** Intuit's scope for the Accounting API. */
const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

export type QuickBooksSettings = Pick<
  Config,
  | 'QUICKBOOKS_CLIENT_ID'
  | 'QUICKBOOKS_CLIENT_SECRET'
  | 'QUICKBOOKS_AUTHORIZE_URL'
  | 'QUICKBOOKS_TOKEN_URL'
  | 'QUICKBOOKS_REVOKE_URL'
  | 'QUICKBOOKS_API_BASE_URL'
  | 'QUICKBOOKS_MINOR_VERSION'
  | 'QUICKBOOKS_REQUESTS_PER_MINUTE'
  | 'QUICKBOOKS_MAX_CONCURRENT'
  | 'QUICKBOOKS_TIMEOUT_MS'
  | 'QUICKBOOKS_MAX_ATTEMPTS'
>;

/** The QuickBooks Online connector, configured from the environment (QUICKBOOKS_*). */
export function quickbooksConnector(settings: QuickBooksSettings, options: { backoffBaseMs?: number } = {}): ConnectorDefinition<QuickBooksConfig> {
  // One limiter per company for this process's life: every sync of the company shares it.
  const limiters = new LimiterRegistry(settings.QUICKBOOKS_REQUESTS_PER_MINUTE, settings.QUICKBOOKS_MAX_CONCURRENT);
  return {
    type: 'quickbooks',
    name: 'QuickBooks Online',
    description: 'Two-way sync of vendors, bills (AP), invoices (AR) and payments with a QuickBooks Online company.',
    capabilities: ['pull', 'push', 'full', 'incremental'],
    entityTypes: ['vendors', 'invoices', 'payments'],
    auth: 'oauth2',
    configSchema: QuickBooksConfigSchema,
    credentialFields: ['webhookVerifierToken'],
    sync: {
      oauth: {
        authorizeUrl: settings.QUICKBOOKS_AUTHORIZE_URL,
        tokenUrl: settings.QUICKBOOKS_TOKEN_URL,
        revokeUrl: settings.QUICKBOOKS_REVOKE_URL,
        clientId: settings.QUICKBOOKS_CLIENT_ID ?? '',
        clientSecret: settings.QUICKBOOKS_CLIENT_SECRET ?? '',
        scopes: [ACCOUNTING_SCOPE],
        // Intuit does not document PKCE; RFC 7636 servers without it ignore the parameters, and the
        // flow stays bound by its single-use state either way.
        pkce: true,
        accountParam: 'realmId',
        timeoutMs: settings.QUICKBOOKS_TIMEOUT_MS,
      },
      entities: QUICKBOOKS_ENTITIES,
      idOf: (raw) => (typeof raw['Id'] === 'string' || typeof raw['Id'] === 'number' ? String(raw['Id']) : null),
      open: (session) =>
        new QuickBooksClient(
          session,
          {
            apiBaseUrl: settings.QUICKBOOKS_API_BASE_URL,
            minorVersion: settings.QUICKBOOKS_MINOR_VERSION,
            timeoutMs: settings.QUICKBOOKS_TIMEOUT_MS,
            maxAttempts: settings.QUICKBOOKS_MAX_ATTEMPTS,
            ...(options.backoffBaseMs === undefined ? {} : { backoffBaseMs: options.backoffBaseMs }),
          },
          limiters.for(session.account),
        ),
    },
  };
}
