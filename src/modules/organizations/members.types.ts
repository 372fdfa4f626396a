import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { PageArgs, connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { MemberRow } from './members.service.js';

export enum MemberRoleEnum {
  OWNER = 'owner',
  ADMIN = 'admin',
  MEMBER = 'member',
  VIEWER = 'viewer',
}
registerEnumType(MemberRoleEnum, { name: 'MemberRole' });

@ObjectType({ description: 'A person\'s membership of the organization.' })
export class Member {
  @Field(() => ID, { description: 'The membership (not the person: one person may belong to several organizations).' })
  id!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => MemberRoleEnum)
  role!: MemberRoleEnum;

  @Field(() => Boolean, { description: 'False: deactivated here (by an admin or by SCIM); the person cannot sign in to this organization.' })
  active!: boolean;

  @Field(() => Boolean, { description: 'True when the organization\'s identity provider manages this member through SCIM; active is then changed there.' })
  provisionedByScim!: boolean;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const MemberConnection = connectionType(Member, 'MemberConnection');
export type MemberConnection = Connection<Member>;

@ArgsType()
export class MembersArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Part of the e-mail address or name.' })
  search?: string | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => MemberRoleEnum, { nullable: true })
  role?: MemberRoleEnum | null;
}

@InputType()
export class UpdateMemberInput {
  @Field(() => MemberRoleEnum, { nullable: true })
  role?: MemberRoleEnum | null;

  @Field(() => Boolean, { nullable: true, description: 'False deactivates the membership: the person can no longer sign in here, and OAuth tokens issued to them are refused.' })
  active?: boolean | null;
}

export function toMember(row: MemberRow): Member {
  return {
    id: String(row.id),
    email: row.email,
    name: row.name,
    role: row.role as MemberRoleEnum,
    active: row.active && row.userActive,
    provisionedByScim: row.scimUserName !== null,
    createdAt: row.createdAt,
  };
}
