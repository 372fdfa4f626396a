import { ArgsType, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { PageArgs, connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { AlertRow } from './alerts.table.js';

export enum AlertSeverityEnum {
  INFO = 'info',
  WARNING = 'warning',
  CRITICAL = 'critical',
}
registerEnumType(AlertSeverityEnum, { name: 'AlertSeverity' });

@ObjectType({ description: "Something the organization's admins must act on, such as a disabled webhook endpoint." })
export class Alert {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'What happened, as an event name: webhook.disabled, integration.error.' })
  kind!: string;

  @Field(() => AlertSeverityEnum)
  severity!: AlertSeverityEnum;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  message!: string;

  @Field(() => String, { description: 'Kind of thing it is about: webhook, integration_connection.' })
  subjectType!: string;

  @Field(() => ID)
  subjectId!: string;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true })
  acknowledgedAt!: Date | null;

  @Field(() => String, { nullable: true })
  acknowledgedBy!: string | null;

  @Field(() => String, { description: 'E-mail to the admins: pending, sent, failed or no_recipients (pending when SMTP is not configured).' })
  emailStatus!: string;
}

export function toAlert(row: AlertRow): Alert {
  return {
    id: String(row.id),
    kind: row.kind,
    severity: row.severity as AlertSeverityEnum,
    title: row.title,
    message: row.message,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    createdAt: row.createdAt,
    acknowledgedAt: row.acknowledgedAt,
    acknowledgedBy: row.acknowledgedBy,
    emailStatus: row.emailStatus,
  };
}

export const AlertConnection = connectionType(Alert, 'AlertConnection');
export type AlertConnection = Connection<Alert>;

@ArgsType()
export class AlertsArgs extends PageArgs {
  @Field(() => Boolean, { nullable: true, description: 'Only acknowledged (true) or open (false) alerts.' })
  acknowledged?: boolean | null;
}
