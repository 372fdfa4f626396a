import { Arg, Args, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { fieldRateLimit } from '../../platform/graphql/field-rate-limit.js';
import { parseId } from '../../platform/graphql/ids.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { announceAudit } from '../audit/index.js';
import { createApiKey, getApiKey, listApiKeys, regenerateApiKey, revokeApiKey, updateApiKey } from './keys.service.js';
import {
  ApiKey,
  ApiKeyConnection,
  CreateApiKeyInput,
  CreateApiKeyPayload,
  RegenerateApiKeyPayload,
  toApiKey,
  UpdateApiKeyInput,
} from './keys.types.js';
import type { KeyVerifier } from './keys.verifier.js';

/** Key changes are rarer than reads; this bounds a leaked key's ability to mint more. */
const KEY_WRITE_LIMIT = { max: 30, window: '1m' };

@Resolver()
export class KeysResolver {
  constructor(private readonly deps: { verifier: KeyVerifier; defaultRateLimit: number }) {}

  @Authorized('keys:read')
  @Query(() => ApiKeyConnection, { description: "The organization's API keys, newest first." })
  async apiKeys(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: GraphQLContext): Promise<ApiKeyConnection> {
    const page = toPage(args);
    const rows = await listApiKeys(ctx.services.db, ctx.principal!.organizationId, page);
    return toConnection(rows, page, toApiKey);
  }

  @Authorized('keys:read')
  @Query(() => ApiKey, { description: 'One API key of the organization. NOT_FOUND for keys of other organizations.' })
  async apiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKey> {
    return toApiKey(await getApiKey(ctx.services.db, ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('keys:write')
  @UseMiddleware(fieldRateLimit(KEY_WRITE_LIMIT))
  @Mutation(() => CreateApiKeyPayload, { description: 'Creates a key; its secret is in the payload, once.' })
  async createApiKey(
    @Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreateApiKeyPayload> {
    const principal = ctx.principal!;
    const created = await createApiKey(
      ctx.services.db,
      actorOf(ctx),
      principal.scopes,
      {
        organizationId: principal.organizationId,
        name: input.name,
        scopes: input.scopes,
        environment: input.environment,
        rateLimit: input.rateLimit,
        burstLimit: input.burstLimit,
        expiresAt: input.expiresAt,
      },
      this.deps.defaultRateLimit,
    );
    created.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return { apiKey: toApiKey(created.key), plaintextKey: created.plaintext };
  }

  @Authorized('keys:write')
  @UseMiddleware(fieldRateLimit(KEY_WRITE_LIMIT))
  @Mutation(() => ApiKey, { description: "Changes a key's name, hourly limit or burst limit; every server applies them within seconds." })
  async updateApiKey(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateApiKeyInput) input: UpdateApiKeyInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ApiKey> {
    const result = await updateApiKey(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id), {
      name: input.name ?? undefined,
      rateLimit: input.rateLimit ?? undefined,
      // An explicit null returns the key to the deployment's default.
      burstLimit: input.burstLimit,
    });
    this.deps.verifier.forget(result.key.keyHash);
    result.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toApiKey(result.key);
  }

  @Authorized('keys:write')
  @Mutation(() => ApiKey, { description: 'Revokes a key; every server refuses it within seconds.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKey> {
    const result = await revokeApiKey(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    this.deps.verifier.forget(result.key.keyHash);
    result.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toApiKey(result.key);
  }

  @Authorized('keys:write')
  @UseMiddleware(fieldRateLimit(KEY_WRITE_LIMIT))
  @Mutation(() => RegenerateApiKeyPayload, {
    description: 'Replaces a key with a new secret. The old key keeps working for overlapSeconds (default 0: revoked at once).',
  })
  async regenerateApiKey(
    @Arg('id', () => ID) id: string,
    @Arg('overlapSeconds', () => Int, { defaultValue: 0 }) overlapSeconds: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RegenerateApiKeyPayload> {
    const result = await regenerateApiKey(
      ctx.services.db,
      actorOf(ctx),
      ctx.principal!.organizationId,
      parseId(id),
      overlapSeconds,
    );
    if (overlapSeconds === 0) this.deps.verifier.forget(result.previous.keyHash);
    result.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return { apiKey: toApiKey(result.key), plaintextKey: result.plaintext, previousKey: toApiKey(result.previous) };
  }
}
