import { z } from 'zod';
import type { DbOrTx } from '../../platform/db/mysql.js';
import { defineEvent, emitEvents, type EventDefinition } from '../../platform/events/outbox.js';
import { ENTITY_TYPES, entityDef, type EntityType } from './records.catalog.js';
import { recordIdsByOrigin, type RecordScope } from './records.service.js';

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

export function recordEvent(entity: EntityType, change: RecordChange): EventDefinition<typeof RecordPayload> {
  const name = recordEventName(entity, change);
  return RECORD_EVENTS.find((e) => e.name === name)!;
}

/**
 * Record events of a bulk write, in its transaction: call `before` ahead of the upsert (which
 * origin ids exist), then `after` with the same records. Only the changes someone subscribes to
 * are written (`wanted`: event names), so an import nobody listens to pays nothing.
 */
export function recordEventsOfWrite(db: DbOrTx, type: EntityType, scope: RecordScope, records: ReadonlyArray<Record<string, unknown>>, wanted: ReadonlySet<string>) {
  const created = wanted.has(recordEventName(type, 'created'));
  const updated = wanted.has(recordEventName(type, 'updated'));
  const originIds = records.map((r) => String(r['originId']));
  let existing = new Map<string, number>();
  return {
    async before(): Promise<void> {
      if (created || updated) existing = await recordIdsByOrigin(db, type, scope, originIds);
    },
    async after(): Promise<number> {
      if (!created && !updated) return 0;
      // Rows that existed kept their ids; only the new ones need reading back.
      const ids = new Map(existing);
      if (created) for (const [originId, id] of await recordIdsByOrigin(db, type, scope, originIds.filter((o) => !existing.has(o)))) ids.set(originId, id);
      const items = { created: [] as Array<{ data: z.input<typeof RecordPayload>; organizationId: number; projectId: number | null }>, updated: [] as Array<{ data: z.input<typeof RecordPayload>; organizationId: number; projectId: number | null }> };
      for (const record of records) {
        const originId = String(record['originId']);
        const id = ids.get(originId);
        if (id === undefined) continue;
        const change = existing.has(originId) ? 'updated' : 'created';
        if ((change === 'created' && !created) || (change === 'updated' && !updated)) continue;
        const { originId: _origin, ...fields } = record;
        items[change].push({
          data: { id: String(id), originId, projectId: scope.projectId === null ? null : String(scope.projectId), record: fields },
          organizationId: scope.organizationId,
          projectId: scope.projectId,
        });
      }
      return (await emitEvents(db, recordEvent(type, 'created'), items.created)) + (await emitEvents(db, recordEvent(type, 'updated'), items.updated));
    },
  };
}
