import type { z } from 'zod';
import type { DbOrTx } from '../db/mysql.js';
import { randomBase62 } from '../crypto/tokens.js';
import { outboxEvents } from './outbox-events.table.js';

/** One kind of domain event: its name (`import.completed`), what it means and its payload schema. */
export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
}

export function defineEvent<S extends z.ZodType>(definition: EventDefinition<S>): EventDefinition<S> {
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(definition.name)) {
    throw new Error(`event name ${definition.name} must be dotted lower-case words`);
  }
  return definition;
}

export interface EmitOptions {
  organizationId: number;
  projectId?: number | null | undefined;
  /** Only this webhook receives the event (a test send). */
  targetWebhookId?: number | undefined;
}

/** Many events of one kind in one multi-row INSERT (an import chunk's record events). */
export async function emitEvents<S extends z.ZodType>(
  db: DbOrTx,
  event: EventDefinition<S>,
  items: ReadonlyArray<{ data: z.input<S>; organizationId: number; projectId?: number | null | undefined }>,
): Promise<number> {
  if (items.length === 0) return 0;
  await db.insert(outboxEvents).values(
    items.map((item) => ({
      organizationId: item.organizationId,
      projectId: item.projectId ?? null,
      messageId: newMessageId(),
      eventType: event.name,
      payload: event.schema.parse(item.data) as Record<string, unknown>,
    })),
  );
  return items.length;
}

/** A fresh Standard Webhooks message id. */
export function newMessageId(): string {
  return `msg_${randomBase62(27)}`;
}

/**
 * Records an event in the outbox. Pass the transaction that makes the change, so the event
 * exists exactly when the change does. The payload is checked against the event's schema here,
 * where a bad caller is found at once, not by a receiver days later.
 */
export async function emitEvent<S extends z.ZodType>(
  db: DbOrTx,
  event: EventDefinition<S>,
  data: z.input<S>,
  options: EmitOptions,
): Promise<{ id: number; messageId: string }> {
  const payload = event.schema.parse(data) as Record<string, unknown>;
  const messageId = newMessageId();
  const [result] = await db.insert(outboxEvents).values({
    organizationId: options.organizationId,
    projectId: options.projectId ?? null,
    messageId,
    eventType: event.name,
    payload,
    targetWebhookId: options.targetWebhookId ?? null,
  });
  return { id: result.insertId, messageId };
}
