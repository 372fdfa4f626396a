import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { OAuthClientRow } from './oauth.clients.js';

@ObjectType({ description: 'A partner application that obtains OAuth 2.0 tokens from /oauth. Its secret is shown once.' })
export class OAuthClient {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'The public client_id the application sends to /oauth.' })
  clientId!: string;

  @Field(() => [String], { description: 'Exact redirect URIs accepted for the authorization code flow (none: client credentials only).' })
  redirectUris!: string[];

  @Field(() => [String], { description: 'The most the client may ask for; a token never carries other scopes.' })
  scopes!: string[];

  @Field(() => [String], { description: "Origins of browser apps (https://app.example.com) that may call /oauth/token, /graphql and REST with the client's tokens (CORS). API keys never get CORS." })
  webOrigins!: string[];

  @Field(() => Boolean, { description: 'Confidential clients authenticate with a secret and may use client_credentials; public clients use PKCE alone.' })
  isConfidential!: boolean;

  @Field(() => Int, { nullable: true, description: "Requests per hour of the client's tokens (per client; per person's grant for user tokens). Null: the server default." })
  rateLimit!: number | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

export const OAuthClientConnection = connectionType(OAuthClient, 'OAuthClientConnection');
export type OAuthClientConnection = Connection<OAuthClient>;

@ObjectType()
export class OAuthClientWithSecretPayload {
  @Field(() => OAuthClient)
  client!: OAuthClient;

  @Field(() => String, { nullable: true, description: 'The client secret, shown this once (null for public clients).' })
  clientSecret!: string | null;
}

@InputType()
export class CreateOAuthClientInput {
  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'Exact redirect URIs (https; http only for localhost). Empty: client credentials only.' })
  redirectUris!: string[];

  @Field(() => [String], { description: 'Scopes the client may request; never more than the caller holds.' })
  scopes!: string[];

  @Field(() => Boolean, { nullable: true, description: 'Default true. False: a public client (browser or mobile app) without a secret.' })
  isConfidential?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Requests per hour, 1 to 1000000; omitted: the server default.' })
  rateLimit?: number | null;

  @Field(() => [String], { nullable: true, description: 'Origins of browser apps allowed cross-origin calls with its tokens: scheme, host and port only; https (http only for localhost). Omitted: none.' })
  webOrigins?: string[] | null;
}

@InputType()
export class UpdateOAuthClientInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [String], { nullable: true })
  redirectUris?: string[] | null;

  @Field(() => [String], { nullable: true, description: "Narrowing the scopes narrows the client's existing tokens at once." })
  scopes?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Requests per hour; 0 returns to the server default.' })
  rateLimit?: number | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the web origins; an empty list allows none.' })
  webOrigins?: string[] | null;
}

export function toOAuthClient(row: OAuthClientRow): OAuthClient {
  return {
    id: String(row.id),
    name: row.name,
    clientId: row.clientId,
    redirectUris: row.redirectUris,
    scopes: row.scopes,
    webOrigins: row.webOrigins,
    isConfidential: row.isConfidential,
    rateLimit: row.rateLimit,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
