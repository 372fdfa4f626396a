import type { Config } from './platform/config.js';
import { ConnectorRegistry, type ConnectorDefinition } from './modules/integrations/index.js';
import { quickbooksConnector } from './modules/quickbooks/index.js';
import { scheduleConnectors } from './modules/schedules/index.js';
import { subscribedEventNames } from './modules/webhooks/index.js';

/**
 * Every connector this deployment offers (integrationTypes), built from configuration. The one
 * place a connector module is wired in: the app and the detached schema both use it. `extra`
 * takes connectors that need the app's services (e.g. file connectors that emit record events).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- connectors differ in their config type
export function buildConnectorRegistry(config: Config, extra: ReadonlyArray<ConnectorDefinition<any>> = []): ConnectorRegistry {
  // File connectors write record events for the webhooks that subscribe to them; the schedules
  // module gets the lookup from here, as it must not import webhooks itself (that would be a cycle).
  return new ConnectorRegistry([quickbooksConnector(config), ...scheduleConnectors({ subscribedEvents: subscribedEventNames }), ...extra]);
}
