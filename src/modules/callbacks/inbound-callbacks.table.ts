import { char, index, int, json, mysqlEnum, mysqlTable, smallint, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { sql } from 'drizzle-orm';
import { id, organizationId, ref, time } from '../../platform/db/columns.js';
import { CALLBACK_PROVIDERS, type CallbackEvent } from './callbacks.protocol.js';

export const CALLBACK_STATUSES = ['received', 'processing', 'processed', 'failed'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/** What processing found changed: one entry per distinct (entity, id, operation). */
export interface EntityChange {
  entity: string | null;
  entityId: string | null;
  operation: string | null;
  resource: string | null;
  account: string | null;
}

/**
 * One accepted provider callback (signature verified). `dedupe_key` is the provider's event
 * id(s), or a hash of the body where the provider gives none; it is unique per connection, so a
 * replay within the retention window finds the row instead of adding one. Rejected callbacks
 * never get a row here (see inbound_callback_rejections).
 */
export const inboundCallbacks = mysqlTable(
  'inbound_callbacks',
  {
    id: id(),
    organizationId: organizationId(),
    connectionId: ref('connection_id').notNull(),
    provider: mysqlEnum('provider', CALLBACK_PROVIDERS).notNull(),
    dedupeKey: varchar('dedupe_key', { length: 140 }).notNull(),
    status: mysqlEnum('status', CALLBACK_STATUSES).notNull().default('received'),
    /** The events as read from the payload, in the shape shared by all providers. */
    events: json('events').$type<CallbackEvent[]>().notNull(),
    eventCount: int('event_count', { unsigned: true }).notNull(),
    /** The payload itself when it is at most 64 KiB; larger ones keep only their events. */
    payload: json('payload').$type<unknown>(),
    bodySha256: char('body_sha256', { length: 64 }).notNull(),
    bodyBytes: int('body_bytes', { unsigned: true }).notNull(),
    /** A delivery id the provider sent outside the signed body (Autodesk x-adsk-delivery-id). */
    deliveryId: varchar('delivery_id', { length: 100 }),
    /** Identical deliveries answered since (providers retry; attackers replay). */
    replayCount: int('replay_count', { unsigned: true }).notNull().default(0),
    lastReplayAt: time('last_replay_at'),
    /** Processing attempts started. */
    attempts: smallint('attempts', { unsigned: true }).notNull().default(0),
    /** While `processing`: after this the attempt is presumed lost with its worker. */
    leaseUntil: time('lease_until'),
    changes: json('changes').$type<EntityChange[]>(),
    error: varchar('error', { length: 500 }),
    receivedAt: time('received_at')
      .notNull()
      .default(sql`CURRENT_TIMESTAMP(3)`),
    processedAt: time('processed_at'),
  },
  (t) => [
    uniqueIndex('uq_inbound_callbacks_dedupe').on(t.connectionId, t.dedupeKey),
    index('idx_inbound_callbacks_org').on(t.organizationId, t.id),
    index('idx_inbound_callbacks_status').on(t.status, t.receivedAt),
    index('idx_inbound_callbacks_received').on(t.receivedAt),
  ],
);

export type InboundCallbackRow = typeof inboundCallbacks.$inferSelect;
