import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { announceAudit } from '../audit/index.js';
import { fieldRateLimit } from '../../platform/graphql/field-rate-limit.js';
import { parseId } from '../../platform/graphql/ids.js';
import { verifySsoDomain } from './sso.domains.js';
import {
  createSsoConnection,
  deleteSsoConnection,
  getSsoConnection,
  listSsoConnections,
  updateSsoConnection,
  type SsoAdminDeps,
  type SsoConnectionInput,
} from './sso.service.js';
import { CreateSsoConnectionInput, SsoConnectionType, toSsoConnection, UpdateSsoConnectionInput, type OidcSettingsInput, type SamlSettingsInput } from './sso.types.js';
import type { PublicUrl } from './sso.urls.js';

const WRITE_LIMIT = { max: 30, window: '1m' };

export interface SsoResolverDeps {
  secrets: SecretBox;
  publicUrl: PublicUrl;
  /** Accept http:// IdP URLs (local development and tests only). */
  allowHttp: boolean;
  /** DNS servers that domain verification asks (SSO_DNS_SERVERS); empty: the system's. */
  dnsServers: readonly string[];
}

const opt = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

function samlOf(input: SamlSettingsInput | null | undefined) {
  return input ? { idpEntityId: opt(input.idpEntityId), ssoUrl: opt(input.ssoUrl), certificates: opt(input.certificates), metadataXml: opt(input.metadataXml) } : undefined;
}

function oidcOf(input: OidcSettingsInput | null | undefined) {
  return input ? { issuer: opt(input.issuer), clientId: opt(input.clientId), clientSecret: opt(input.clientSecret) } : undefined;
}

@Resolver()
export class SsoResolver {
  constructor(private readonly deps: SsoResolverDeps) {}

  private admin(ctx: GraphQLContext): SsoAdminDeps {
    return { db: ctx.services.db, secrets: this.deps.secrets, allowHttp: this.deps.allowHttp };
  }

  @Authorized('sso:read')
  @Query(() => [SsoConnectionType], { description: "The organization's SSO connections, oldest first." })
  async ssoConnections(@Ctx() ctx: GraphQLContext): Promise<SsoConnectionType[]> {
    const rows = await listSsoConnections(ctx.services.db, ctx.principal!.organizationId);
    return rows.map((row) => toSsoConnection(row, this.deps.publicUrl()));
  }

  @Authorized('sso:read')
  @Query(() => SsoConnectionType, { description: 'One SSO connection. NOT_FOUND for connections of other organizations.' })
  async ssoConnection(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<SsoConnectionType> {
    return toSsoConnection(await getSsoConnection(ctx.services.db, ctx.principal!.organizationId, parseId(id)), this.deps.publicUrl());
  }

  @Authorized('sso:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => SsoConnectionType, { description: 'Creates a SAML or OIDC connection; its domains start unverified (verifySsoDomain). CONFLICT when another connection verified one of them.' })
  async createSsoConnection(@Arg('input', () => CreateSsoConnectionInput) input: CreateSsoConnectionInput, @Ctx() ctx: GraphQLContext): Promise<SsoConnectionType> {
    const values: SsoConnectionInput = {
      name: input.name,
      protocol: input.protocol,
      domains: input.domains,
      defaultRole: input.defaultRole,
      enabled: input.enabled,
      allowIdpInitiated: input.allowIdpInitiated,
      saml: samlOf(input.saml),
      oidc: oidcOf(input.oidc),
    };
    const created = await createSsoConnection(this.admin(ctx), actorOf(ctx), ctx.principal!.organizationId, values);
    created.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toSsoConnection(created.connection, this.deps.publicUrl());
  }

  @Authorized('sso:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => SsoConnectionType, { description: 'Changes a connection; omitted fields stay as they are.' })
  async updateSsoConnection(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateSsoConnectionInput) input: UpdateSsoConnectionInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SsoConnectionType> {
    const values: SsoConnectionInput = {
      name: opt(input.name),
      domains: opt(input.domains),
      defaultRole: opt(input.defaultRole),
      enabled: opt(input.enabled),
      allowIdpInitiated: opt(input.allowIdpInitiated),
      saml: samlOf(input.saml),
      oidc: oidcOf(input.oidc),
    };
    const updated = await updateSsoConnection(this.admin(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id), values);
    updated.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toSsoConnection(updated.connection, this.deps.publicUrl());
  }

  @Authorized('sso:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => SsoConnectionType, {
    description:
      "Verifies a claimed domain: looks up its TXT record (domainVerifications gives name and value). BAD_USER_INPUT while the record is missing; CONFLICT when another connection verified the domain first.",
  })
  async verifySsoDomain(@Arg('id', () => ID) id: string, @Arg('domain', () => String) domain: string, @Ctx() ctx: GraphQLContext): Promise<SsoConnectionType> {
    const verified = await verifySsoDomain({ db: ctx.services.db, dnsServers: this.deps.dnsServers }, actorOf(ctx), ctx.principal!.organizationId, parseId(id), domain);
    verified.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toSsoConnection(verified.connection, this.deps.publicUrl());
  }

  @Authorized('sso:write')
  @Mutation(() => ID, { description: 'Deletes a connection and its links to users (the users and memberships stay). Returns its id.' })
  async deleteSsoConnection(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    const audit = await deleteSsoConnection(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return id;
  }
}
