import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { fieldRateLimit } from '../../platform/graphql/field-rate-limit.js';
import { parseId } from '../../platform/graphql/ids.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { announceAudit } from '../audit/index.js';
import { scimBaseUrl } from './scim.resources.js';
import { createScimToken, getScimToken, listScimTokens, revokeScimToken, rotateScimToken } from './scim.tokens.js';
import { CreateScimTokenInput, ScimToken, ScimTokenConnection, ScimTokenPayload, toScimToken } from './scim.types.js';

/** Token changes are rare; this bounds what a leaked key can mint. */
const TOKEN_WRITE_LIMIT = { max: 30, window: '1m' };

@Resolver()
export class ScimResolver {
  @Authorized('scim:read')
  @Query(() => ScimTokenConnection, { description: "The organization's SCIM tokens, newest first (never their secrets)." })
  async scimTokens(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: GraphQLContext): Promise<ScimTokenConnection> {
    const page = toPage(args);
    return toConnection(await listScimTokens(ctx.services.db, ctx.principal!.organizationId, page), page, toScimToken);
  }

  @Authorized('scim:read')
  @Query(() => ScimToken, { description: 'One SCIM token. NOT_FOUND for tokens of other organizations.' })
  async scimToken(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ScimToken> {
    return toScimToken(await getScimToken(ctx.services.db, ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('scim:write')
  @UseMiddleware(fieldRateLimit(TOKEN_WRITE_LIMIT))
  @Mutation(() => ScimTokenPayload, { description: 'A token for an identity provider to provision this organization’s members over SCIM; shown once.' })
  async createScimToken(@Arg('input', () => CreateScimTokenInput) input: CreateScimTokenInput, @Ctx() ctx: GraphQLContext): Promise<ScimTokenPayload> {
    const created = await createScimToken(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, input.name);
    created.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return { scimToken: toScimToken(created.token), plaintextToken: created.plaintext, baseUrl: scimBaseUrl(ctx.services.config) };
  }

  @Authorized('scim:write')
  @UseMiddleware(fieldRateLimit(TOKEN_WRITE_LIMIT))
  @Mutation(() => ScimTokenPayload, { description: 'Replaces a token with a new secret under the same name; the old one is refused at once.' })
  async rotateScimToken(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ScimTokenPayload> {
    const rotated = await rotateScimToken(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    rotated.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return { scimToken: toScimToken(rotated.token), plaintextToken: rotated.plaintext, baseUrl: scimBaseUrl(ctx.services.config) };
  }

  @Authorized('scim:write')
  @Mutation(() => ScimToken, { description: 'Revokes a token; the next SCIM request with it gets 401.' })
  async revokeScimToken(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ScimToken> {
    const result = await revokeScimToken(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    result.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toScimToken(result.token);
  }
}
