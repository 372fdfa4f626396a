import type { ConnectorDefinition } from './integrations.contract.js';

/**
 * The connectors this deployment offers, by type. Built by the composition root from each
 * connector module's definition (QuickBooks, MS Project, Primavera P6), so this module imports none.
 */
export class ConnectorRegistry {
  private readonly byType = new Map<string, ConnectorDefinition<unknown>>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- connectors differ in their config type; each validates its own
  constructor(definitions: ReadonlyArray<ConnectorDefinition<any>>) {
    for (const definition of definitions) {
      if (this.byType.has(definition.type)) throw new Error(`connector ${definition.type} is registered twice`);
      this.byType.set(definition.type, definition);
    }
  }

  get(type: string): ConnectorDefinition<unknown> | undefined {
    return this.byType.get(type);
  }

  list(): Array<ConnectorDefinition<unknown>> {
    return [...this.byType.values()];
  }
}
