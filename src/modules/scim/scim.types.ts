import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { ScimTokenRow } from './scim-tokens.table.js';

@ObjectType({ description: 'A bearer token an identity provider (Okta, Entra ID) uses on /scim/v2. Its secret is shown once.' })
export class ScimToken {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The start of the token, e.g. trscim_8f3kQz, to tell tokens apart.' })
  prefix!: string;

  @Field(() => Boolean, { description: 'False once revoked (or replaced by rotateScimToken).' })
  active!: boolean;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Updated at most once a minute.' })
  lastUsedAt!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The token that replaced this one.' })
  replacedById!: string | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const ScimTokenConnection = connectionType(ScimToken, 'ScimTokenConnection');
export type ScimTokenConnection = Connection<ScimToken>;

@ObjectType()
export class ScimTokenPayload {
  @Field(() => ScimToken)
  scimToken!: ScimToken;

  @Field(() => String, { description: 'The secret token. Store it in the identity provider now: it is never shown again.' })
  plaintextToken!: string;

  @Field(() => String, { description: 'The SCIM base URL to give the identity provider (PUBLIC_URL + /scim/v2).' })
  baseUrl!: string;
}

@InputType()
export class CreateScimTokenInput {
  @Field(() => String, { description: 'What the token is for, e.g. "Okta production".' })
  name!: string;
}

export function toScimToken(row: ScimTokenRow): ScimToken {
  return {
    id: String(row.id),
    name: row.name,
    prefix: row.tokenPrefix,
    active: row.revokedAt === null,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    replacedById: row.replacedById === null ? null : String(row.replacedById),
    createdAt: row.createdAt,
  };
}
