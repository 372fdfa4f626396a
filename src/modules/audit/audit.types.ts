import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSONObject } from 'graphql-scalars';
import { connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { AuditEventRow } from './audit-events.table.js';

@ObjectType({ description: 'A change made in the organization, by whom, when.' })
export class AuditEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'For example api_key.created, api_key.revoked.' })
  action!: string;

  @Field(() => String, { description: 'api_key, user, system (operator CLI), oauth_token.' })
  actorType!: string;

  @Field(() => String, { nullable: true })
  actorId!: string | null;

  @Field(() => String)
  targetType!: string;

  @Field(() => ID)
  targetId!: string;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'The request that made the change.' })
  requestId!: string | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const AuditEventConnection = connectionType(AuditEvent, 'AuditEventConnection');
export type AuditEventConnection = Connection<AuditEvent>;

export function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: String(row.id),
    action: row.action,
    actorType: row.actorType,
    actorId: row.actorId,
    targetType: row.targetType,
    targetId: row.targetId,
    metadata: row.metadata ?? null,
    requestId: row.requestId,
    createdAt: row.createdAt,
  };
}
