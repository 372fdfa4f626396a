import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { PageArgs, connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { WebhookDeliveryRow } from './webhook-deliveries.table.js';
import type { WebhookLogRow } from './webhook-logs.table.js';
import type { WebhookRow } from './webhooks.table.js';

export enum WebhookStatus {
  ACTIVE = 'active',
  PAUSED = 'paused',
  DISABLED = 'disabled',
}
registerEnumType(WebhookStatus, {
  name: 'WebhookStatus',
  valuesConfig: {
    PAUSED: { description: 'Switched off by a person (updateWebhook isActive: false).' },
    DISABLED: { description: 'Switched off by the service: 410 Gone, or failing for too long. See disabledReason.' },
  },
});

export enum WebhookRecordEvents {
  EACH = 'each',
  BATCH = 'batch',
  SUMMARY = 'summary',
}
registerEnumType(WebhookRecordEvents, {
  name: 'WebhookRecordEvents',
  description:
    'How the endpoint receives the record events (vendor.created, cost_code.updated, …) of bulk writes such as an import, which writes one per row. Default BATCH.',
  valuesConfig: {
    EACH: { description: 'One message per record: a 50,000-row import sends 50,000 messages.' },
    BATCH: {
      description:
        'One message per written chunk, of type <event>.batch (vendor.created.batch) with data { count, records: [the data of each record event] }, up to 250 records a message: a 50,000-row import sends about 200.',
    },
    SUMMARY: { description: 'No record messages; the endpoint receives import.completed or import.failed (with the counts) at the end of each import instead.' },
  },
});

export enum WebhookDeliveryStatus {
  PENDING = 'pending',
  DELIVERING = 'delivering',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
  CANCELLED = 'cancelled',
}
registerEnumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus' });

@ObjectType({ description: 'An event a webhook can subscribe to, with the JSON Schema of its data.' })
export class WebhookEventType {
  @Field(() => String, { description: 'e.g. import.completed' })
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => GraphQLJSONObject, { description: 'JSON Schema (draft 2020-12) of the `data` member of the delivered body.' })
  schema!: Record<string, unknown>;
}

@ObjectType({ description: 'An HTTPS endpoint that receives signed events (Standard Webhooks). Its secret is shown once.' })
export class Webhook {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [String], { description: 'Event types and patterns such as import.* or *.' })
  events!: string[];

  @Field(() => ID, { nullable: true, description: 'Only events of this project, when set.' })
  projectId!: string | null;

  @Field(() => WebhookStatus)
  status!: WebhookStatus;

  @Field(() => Int, { nullable: true, description: 'At most this many deliveries a second to the endpoint (across all workers); null: no limit.' })
  maxDeliveriesPerSecond!: number | null;

  @Field(() => WebhookRecordEvents)
  recordEvents!: WebhookRecordEvents;

  @Field(() => String, { nullable: true })
  disabledReason!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  disabledAt!: Date | null;

  @Field(() => Int, { description: 'Failed attempts since the last success.' })
  failureCount!: number;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Start of the current run of failures.' })
  failingSince!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  lastTriggeredAt!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'During a secret rotation, when the previous secret stops signing.' })
  previousSecretExpiresAt!: Date | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: String(row.id),
    name: row.name,
    url: row.url,
    events: row.events,
    projectId: row.projectId === null ? null : String(row.projectId),
    status: row.isActive ? WebhookStatus.ACTIVE : row.disabledAt ? WebhookStatus.DISABLED : WebhookStatus.PAUSED,
    maxDeliveriesPerSecond: row.maxPerSecond,
    recordEvents: row.recordEvents as WebhookRecordEvents,
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt,
    failureCount: row.failureCount,
    failingSince: row.failingSince,
    lastTriggeredAt: row.lastTriggeredAt,
    previousSecretExpiresAt: row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date() ? row.previousSecretExpiresAt : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export const WebhookConnection = connectionType(Webhook, 'WebhookConnection');
export type WebhookConnection = Connection<Webhook>;

@ObjectType({ description: 'A webhook and its signing secret (whsec_…), which is shown only here.' })
export class WebhookWithSecretPayload {
  @Field(() => Webhook)
  webhook!: Webhook;

  @Field(() => String, { description: 'Verify deliveries with it (any Standard Webhooks library). Store it now: it is never shown again.' })
  secret!: string;
}

@ObjectType({ description: 'One attempt to deliver one message to an endpoint.' })
export class WebhookAttempt {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'The webhook-id header: the same for every attempt of a message.' })
  messageId!: string | null;

  @Field(() => String)
  eventType!: string;

  @Field(() => Int)
  attempt!: number;

  @Field(() => Boolean, { description: 'The receiver answered 2xx in time.' })
  success!: boolean;

  @Field(() => Int, { nullable: true })
  responseStatus!: number | null;

  @Field(() => String, { nullable: true, description: 'The first 2 KB of the answer.' })
  responseBody!: string | null;

  @Field(() => Int, { nullable: true })
  durationMs!: number | null;

  @Field(() => String, { nullable: true, description: 'Why there was no usable answer (timeout, refused, blocked address, redirect).' })
  error!: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The data that was sent.' })
  payload!: unknown;

  @Field(() => GraphQLDateTime)
  sentAt!: Date;
}

export function toAttempt(row: WebhookLogRow, payload: unknown = null): WebhookAttempt {
  return {
    id: String(row.id),
    messageId: row.messageId,
    eventType: row.event,
    attempt: row.attempt,
    success: row.success,
    responseStatus: row.responseStatus,
    responseBody: row.responseBody,
    durationMs: row.durationMs,
    error: row.error,
    payload,
    sentAt: row.sentAt,
  };
}

export const WebhookAttemptConnection = connectionType(WebhookAttempt, 'WebhookAttemptConnection');
export type WebhookAttemptConnection = Connection<WebhookAttempt>;

@ObjectType({ description: 'A message on its way to one endpoint.' })
export class WebhookDelivery {
  @Field(() => ID)
  id!: string;

  @Field(() => WebhookDeliveryStatus)
  status!: WebhookDeliveryStatus;

  @Field(() => Int)
  attemptCount!: number;

  @Field(() => GraphQLDateTime, { nullable: true })
  nextAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true })
  lastStatusCode!: number | null;

  @Field(() => String, { nullable: true })
  lastError!: string | null;
}

export function toDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: String(row.id),
    status: row.status as WebhookDeliveryStatus,
    attemptCount: row.attemptCount,
    nextAttemptAt: row.nextAttemptAt,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
  };
}

@InputType()
export class CreateWebhookInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'https URL of the receiver. Private, loopback and metadata addresses are refused.' })
  url!: string;

  @Field(() => [String], { description: 'Event types (see webhookEventTypes) or patterns: import.*, *.' })
  events!: string[];

  @Field(() => ID, { nullable: true, description: 'Receive only events of this project.' })
  projectId?: string | null;

  @Field(() => Int, { nullable: true, description: 'At most this many deliveries a second (1 to 10000); omit for no limit.' })
  maxDeliveriesPerSecond?: number | null;

  @Field(() => WebhookRecordEvents, { nullable: true, description: 'How record events of bulk writes arrive; default BATCH.' })
  recordEvents?: WebhookRecordEvents | null;
}

@InputType()
export class UpdateWebhookInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true })
  events?: string[] | null;

  @Field(() => ID, { nullable: true })
  projectId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'false pauses deliveries; true resumes, also after the service disabled the endpoint.' })
  isActive?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'At most this many deliveries a second (1 to 10000); 0 removes the limit.' })
  maxDeliveriesPerSecond?: number | null;

  @Field(() => WebhookRecordEvents, { nullable: true, description: 'How record events of bulk writes arrive (applies to events written from now on).' })
  recordEvents?: WebhookRecordEvents | null;
}

@ArgsType()
export class WebhookLogsArgs extends PageArgs {
  @Field(() => ID)
  webhookId!: string;

  @Field(() => String, { nullable: true, description: 'Only attempts of this message (webhook-id).' })
  messageId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Only successful (true) or failed (false) attempts.' })
  success?: boolean | null;
}
