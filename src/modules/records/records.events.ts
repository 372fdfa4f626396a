import { z } from 'zod';
import { defineEvent, type EventDefinition } from '../../platform/events/outbox.js';
import { ENTITY_TYPES, entityDef, type EntityType } from './records.catalog.js';

export const RECORD_CHANGES = ['created', 'updated', 'deleted'] as const;
export type RecordChange = (typeof RECORD_CHANGES)[number];

const RecordPayload = z.object({
  id: z.string(),
  originId: z.string().nullable(),
  projectId: z.string().nullable(),
  /** The record's fields as the GraphQL API shows them; absent on deletes. */
  record: z.record(z.string(), z.unknown()).optional(),
});

/** `vendor.created`, `cost_code.updated`, …: the event name of a change to a record type. */
export function recordEventName(entity: EntityType, change: RecordChange): string {
  return `${entityDef(entity).label.replace(/ /g, '_')}.${change}`;
}

export const RECORD_EVENTS: Array<EventDefinition<typeof RecordPayload>> = ENTITY_TYPES.flatMap((entity) =>
  RECORD_CHANGES.map((change) =>
    defineEvent({
      name: recordEventName(entity, change),
      description: `A ${entityDef(entity).label} was ${change}.`,
      schema: RecordPayload,
    }),
  ),
);
