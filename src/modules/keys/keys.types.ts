import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { ApiKeyRow } from './keys.table.js';
import { keyState } from './keys.service.js';

export enum KeyEnvironmentEnum {
  LIVE = 'live',
  TEST = 'test',
}
registerEnumType(KeyEnvironmentEnum, { name: 'KeyEnvironment', description: 'Live keys act on real data; test keys on sandboxes.' });

export enum ApiKeyStatus {
  ACTIVE = 'active',
  ROTATING = 'rotating',
  EXPIRED = 'expired',
  REVOKED = 'revoked',
}
registerEnumType(ApiKeyStatus, {
  name: 'ApiKeyStatus',
  valuesConfig: { ROTATING: { description: 'Replaced by regenerateApiKey; works until expiresAt.' } },
});

@ObjectType({ description: 'An API key. Its secret is shown once, at creation; only its prefix afterwards.' })
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The start of the key, e.g. trk_live_8f3kQz, to tell keys apart.' })
  prefix!: string;

  @Field(() => KeyEnvironmentEnum)
  environment!: KeyEnvironmentEnum;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => Int, { description: 'Requests per hour.' })
  rateLimit!: number;

  @Field(() => Int, { nullable: true, description: "Requests per burst window (10 s by default); null: the deployment's default (100)." })
  burstLimit!: number | null;

  @Field(() => ApiKeyStatus)
  status!: ApiKeyStatus;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Updated within a minute, not per request.' })
  lastUsedAt!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The key that replaced this one.' })
  replacedById!: string | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const ApiKeyConnection = connectionType(ApiKey, 'ApiKeyConnection');
export type ApiKeyConnection = Connection<ApiKey>;

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => ApiKey)
  apiKey!: ApiKey;

  @Field(() => String, { description: 'The secret key. Store it now: it is never shown again.' })
  plaintextKey!: string;
}

@ObjectType()
export class RegenerateApiKeyPayload {
  @Field(() => ApiKey, { description: 'The new key.' })
  apiKey!: ApiKey;

  @Field(() => String, { description: 'The new secret. Store it now: it is never shown again.' })
  plaintextKey!: string;

  @Field(() => ApiKey, { description: 'The replaced key, revoked or rotating until its expiresAt.' })
  previousKey!: ApiKey;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'Scopes such as keys:read, imports:write, or * for all. Never more than the caller holds.' })
  scopes!: string[];

  @Field(() => KeyEnvironmentEnum, { defaultValue: KeyEnvironmentEnum.LIVE })
  environment!: KeyEnvironmentEnum;

  @Field(() => Int, { nullable: true, description: 'Requests per hour (default 1000).' })
  rateLimit?: number | null;

  @Field(() => Int, { nullable: true, description: "Requests per burst window (10 s by default), 1 to 1000000; the deployment's default (100) when omitted." })
  burstLimit?: number | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  expiresAt?: Date | null;
}

@InputType({ description: 'What updateApiKey changes; omitted fields stay as they are.' })
export class UpdateApiKeyInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Int, { nullable: true, description: 'Requests per hour, 1 to 1000000.' })
  rateLimit?: number | null;

  @Field(() => Int, { nullable: true, description: "Requests per burst window, 1 to 1000000; null returns to the deployment's default." })
  burstLimit?: number | null;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: String(row.id),
    name: row.name,
    prefix: row.keyPrefix,
    environment: row.environment === 'test' ? KeyEnvironmentEnum.TEST : KeyEnvironmentEnum.LIVE,
    scopes: row.scopes,
    rateLimit: row.rateLimit,
    burstLimit: row.burstLimit,
    status: keyState(row) as ApiKeyStatus,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    replacedById: row.replacedById === null ? null : String(row.replacedById),
    createdAt: row.createdAt,
  };
}
