import { z } from 'zod';
import type { EventDefinition } from '../../platform/events/outbox.js';
import { EXPORT_EVENTS } from '../exports/index.js';
import { IMPORT_EVENTS } from '../imports/index.js';
import { INTEGRATION_EVENTS } from '../integrations/index.js';
import { KEY_EVENTS } from '../keys/index.js';
import { RECORD_EVENTS } from '../records/index.js';
import { WEBHOOK_EVENTS } from './webhooks.events.js';

/** Every event a webhook can subscribe to, by name. */
export const EVENT_CATALOG: ReadonlyMap<string, EventDefinition> = new Map(
  [...KEY_EVENTS, ...IMPORT_EVENTS, ...EXPORT_EVENTS, ...INTEGRATION_EVENTS, ...RECORD_EVENTS, ...WEBHOOK_EVENTS].map((e) => [e.name, e]),
);

/** The JSON Schema of an event's `data`, for the catalog query. */
export function payloadJsonSchema(event: EventDefinition): Record<string, unknown> {
  return z.toJSONSchema(event.schema, { io: 'input' });
}

/** A subscription entry: an event name, `prefix.*`, or `*`. */
export function matchesSubscription(pattern: string, eventType: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return eventType.startsWith(pattern.slice(0, -1));
  return pattern === eventType;
}

/** Entries that name no event of the catalog (a pattern must match at least one). */
export function unknownSubscriptions(patterns: readonly string[]): string[] {
  const names = [...EVENT_CATALOG.keys()];
  return patterns.filter((p) => !names.some((name) => matchesSubscription(p, name)));
}

/**
 * Whether an endpoint subscribed to `patterns` receives `eventType`. `webhook.test` goes only
 * where it is addressed, never through subscriptions.
 */
export function subscribed(patterns: readonly string[], eventType: string): boolean {
  if (eventType === 'webhook.test') return false;
  return patterns.some((p) => matchesSubscription(p, eventType));
}
