import type { Config } from './platform/config.js';
import { ConnectorRegistry } from './modules/integrations/index.js';
import { quickbooksConnector } from './modules/quickbooks/index.js';

/**
 * Every connector this deployment offers (integrationTypes), built from configuration. The one
 * place a connector module is wired in: the app and the detached schema both use it.
 */
export function buildConnectorRegistry(config: Config): ConnectorRegistry {
  return new ConnectorRegistry([quickbooksConnector(config)]);
}
