import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { fieldRateLimit } from '../../platform/graphql/field-rate-limit.js';
import { parseId } from '../../platform/graphql/ids.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { announceAudit } from '../audit/index.js';
import { createOAuthClient, deleteOAuthClient, getOAuthClient, listOAuthClients, rotateOAuthClientSecret, updateOAuthClient } from './oauth.service.js';
import { CreateOAuthClientInput, OAuthClient, OAuthClientConnection, OAuthClientWithSecretPayload, toOAuthClient, UpdateOAuthClientInput } from './oauth.types.js';

/*
 * OAuth clients are credentials like API keys, so they share the keys:* scopes: whoever may
 * mint keys may register apps, and never with more scopes than they hold.
 */
const WRITE_LIMIT = { max: 30, window: '1m' };

@Resolver()
export class OAuthClientsResolver {
  @Authorized('keys:read')
  @Query(() => OAuthClientConnection, { description: "The organization's OAuth clients, newest first (never their secrets)." })
  async oauthClients(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: GraphQLContext): Promise<OAuthClientConnection> {
    const page = toPage(args);
    return toConnection(await listOAuthClients(ctx.services.db, ctx.principal!.organizationId, page), page, toOAuthClient);
  }

  @Authorized('keys:read')
  @Query(() => OAuthClient, { description: 'One OAuth client. NOT_FOUND for clients of other organizations.' })
  async oauthClient(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<OAuthClient> {
    return toOAuthClient(await getOAuthClient(ctx.services.db, ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('keys:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => OAuthClientWithSecretPayload, { description: 'Registers an OAuth client; a confidential client gets its secret in the payload, once.' })
  async createOAuthClient(@Arg('input', () => CreateOAuthClientInput) input: CreateOAuthClientInput, @Ctx() ctx: GraphQLContext): Promise<OAuthClientWithSecretPayload> {
    const principal = ctx.principal!;
    const created = await createOAuthClient(ctx.services.db, actorOf(ctx), principal.scopes, principal.organizationId, {
      name: input.name,
      redirectUris: input.redirectUris,
      scopes: input.scopes,
      isConfidential: input.isConfidential ?? true,
      rateLimit: input.rateLimit ?? null,
      webOrigins: input.webOrigins ?? undefined,
    });
    created.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return { client: toOAuthClient(created.client), clientSecret: created.secret };
  }

  @Authorized('keys:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => OAuthClient, { description: 'Changes a client. Omitted fields stay as they are.' })
  async updateOAuthClient(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateOAuthClientInput) input: UpdateOAuthClientInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OAuthClient> {
    const principal = ctx.principal!;
    const updated = await updateOAuthClient(ctx.services.db, actorOf(ctx), principal.scopes, principal.organizationId, parseId(id), {
      name: input.name ?? undefined,
      redirectUris: input.redirectUris ?? undefined,
      scopes: input.scopes ?? undefined,
      webOrigins: input.webOrigins ?? undefined,
      rateLimit: input.rateLimit == null ? undefined : input.rateLimit === 0 ? null : input.rateLimit,
    });
    updated.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toOAuthClient(updated.client);
  }

  @Authorized('keys:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => OAuthClientWithSecretPayload, { description: 'Replaces a confidential client\'s secret (shown once); the old one stops working at once.' })
  async rotateOAuthClientSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<OAuthClientWithSecretPayload> {
    const rotated = await rotateOAuthClientSecret(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    rotated.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return { client: toOAuthClient(rotated.client), clientSecret: rotated.secret };
  }

  @Authorized('keys:write')
  @Mutation(() => ID, { description: 'Deletes a client and revokes every token and grant issued to it. Returns its id.' })
  async deleteOAuthClient(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    const deleted = await deleteOAuthClient(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    deleted.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return id;
  }
}
