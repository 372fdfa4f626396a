import { Arg, Args, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { fieldRateLimit } from '../../platform/graphql/field-rate-limit.js';
import { parseId } from '../../platform/graphql/ids.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { announceAudit } from '../audit/index.js';
import { EVENT_CATALOG, payloadJsonSchema } from './webhooks.catalog.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhookLogs,
  listWebhooks,
  payloadsOf,
  recoverWebhook,
  redeliverMessage,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
  type WebhookDeps,
} from './webhooks.service.js';
import type { WebhookSettings } from './webhooks.settings.js';
import {
  CreateWebhookInput,
  toAttempt,
  toDelivery,
  toWebhook,
  UpdateWebhookInput,
  Webhook,
  WebhookAttempt,
  WebhookAttemptConnection,
  WebhookConnection,
  WebhookDelivery,
  WebhookEventType,
  WebhookLogsArgs,
  WebhookWithSecretPayload,
} from './webhooks.types.js';

/** Test sends make outbound requests on the caller's behalf; keep them rare. */
const TEST_LIMIT = { max: 10, window: '1m' };
const WRITE_LIMIT = { max: 60, window: '1m' };

function optionalId(value: string | null | undefined, argument: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  return parseId(value, argument);
}

@Resolver()
export class WebhooksResolver {
  constructor(private readonly deps: { secrets: SecretBox; settings: WebhookSettings }) {}

  private webhookDeps(ctx: GraphQLContext): WebhookDeps {
    return { db: ctx.services.db, boss: ctx.services.boss, secrets: this.deps.secrets, settings: this.deps.settings };
  }

  @Authorized('webhooks:read')
  @Query(() => [WebhookEventType], { description: 'Every event a webhook can subscribe to, with the schema of its data.' })
  webhookEventTypes(): WebhookEventType[] {
    return [...EVENT_CATALOG.values()].map((e) => ({ name: e.name, description: e.description, schema: payloadJsonSchema(e) }));
  }

  @Authorized('webhooks:read')
  @Query(() => WebhookConnection, { description: "The organization's webhooks, newest first." })
  async webhooks(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: GraphQLContext): Promise<WebhookConnection> {
    const page = toPage(args);
    return toConnection(await listWebhooks(ctx.services.db, ctx.principal!.organizationId, page), page, toWebhook);
  }

  @Authorized('webhooks:read')
  @Query(() => Webhook, { description: 'One webhook. NOT_FOUND for webhooks of other organizations.' })
  async webhook(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Webhook> {
    return toWebhook(await getWebhook(ctx.services.db, ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('webhooks:read')
  @Query(() => WebhookAttemptConnection, { description: "A webhook's delivery attempts, newest first." })
  async webhookLogs(@Args(() => WebhookLogsArgs) args: WebhookLogsArgs, @Ctx() ctx: GraphQLContext): Promise<WebhookAttemptConnection> {
    const page = toPage(args);
    const organizationId = ctx.principal!.organizationId;
    const rows = await listWebhookLogs(ctx.services.db, organizationId, parseId(args.webhookId, 'webhookId'), page, {
      messageId: args.messageId ?? undefined,
      success: args.success ?? undefined,
    });
    const payloads = await payloadsOf(ctx.services.db, organizationId, rows.flatMap((r) => (r.messageId ? [r.messageId] : [])));
    return toConnection(rows, page, (row) => toAttempt(row, row.messageId ? (payloads.get(row.messageId) ?? null) : null));
  }

  @Authorized('webhooks:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => WebhookWithSecretPayload, { description: 'Creates a webhook; its signing secret is in the payload, once.' })
  async createWebhook(@Arg('input', () => CreateWebhookInput) input: CreateWebhookInput, @Ctx() ctx: GraphQLContext): Promise<WebhookWithSecretPayload> {
    const created = await createWebhook(this.webhookDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, {
      name: input.name,
      url: input.url,
      events: input.events,
      projectId: optionalId(input.projectId, 'projectId'),
      maxPerSecond: input.maxDeliveriesPerSecond ?? null,
      recordEvents: input.recordEvents ?? undefined,
    });
    created.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return { webhook: toWebhook(created.webhook), secret: created.secret };
  }

  @Authorized('webhooks:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => Webhook, { description: 'Changes a webhook. Omitted fields stay as they are.' })
  async updateWebhook(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookInput) input: UpdateWebhookInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Webhook> {
    const updated = await updateWebhook(this.webhookDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id), {
      name: input.name ?? undefined,
      url: input.url ?? undefined,
      events: input.events ?? undefined,
      projectId: optionalId(input.projectId, 'projectId'),
      isActive: input.isActive ?? undefined,
      maxPerSecond: input.maxDeliveriesPerSecond == null ? undefined : input.maxDeliveriesPerSecond === 0 ? null : input.maxDeliveriesPerSecond,
      recordEvents: input.recordEvents ?? undefined,
    });
    updated.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toWebhook(updated.webhook);
  }

  @Authorized('webhooks:write')
  @Mutation(() => ID, { description: 'Deletes a webhook; messages not yet delivered to it are cancelled. Returns its id.' })
  async deleteWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    const audit = await deleteWebhook(this.webhookDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return id;
  }

  @Authorized('webhooks:write')
  @UseMiddleware(fieldRateLimit(TEST_LIMIT))
  @Mutation(() => WebhookAttempt, { description: 'Sends webhook.test to the endpoint now and returns the attempt (not retried).' })
  async testWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<WebhookAttempt> {
    const organizationId = ctx.principal!.organizationId;
    const log = await testWebhook(this.webhookDeps(ctx), organizationId, parseId(id));
    const payloads = await payloadsOf(ctx.services.db, organizationId, log.messageId ? [log.messageId] : []);
    return toAttempt(log, log.messageId ? (payloads.get(log.messageId) ?? null) : null);
  }

  @Authorized('webhooks:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => WebhookDelivery, { description: 'Sends one message to the endpoint again, keeping its webhook-id.' })
  async redeliverWebhookMessage(
    @Arg('webhookId', () => ID) webhookId: string,
    @Arg('messageId', () => String) messageId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookDelivery> {
    return toDelivery(await redeliverMessage(this.webhookDeps(ctx), ctx.principal!.organizationId, parseId(webhookId, 'webhookId'), messageId));
  }

  @Authorized('webhooks:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => Int, { description: 'Re-sends every message whose delivery to the endpoint failed since a time (after an outage). Returns how many.' })
  async recoverWebhook(
    @Arg('id', () => ID) id: string,
    @Arg('since', () => GraphQLDateTime) since: Date,
    @Ctx() ctx: GraphQLContext,
  ): Promise<number> {
    return recoverWebhook(this.webhookDeps(ctx), ctx.principal!.organizationId, parseId(id), since);
  }

  @Authorized('webhooks:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => WebhookWithSecretPayload, {
    description: 'A new signing secret, shown once. The old one also signs (two signatures per delivery) for overlapSeconds (default one day).',
  })
  async rotateWebhookSecret(
    @Arg('id', () => ID) id: string,
    @Arg('overlapSeconds', () => Int, { defaultValue: 86_400 }) overlapSeconds: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookWithSecretPayload> {
    const rotated = await rotateWebhookSecret(this.webhookDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id), overlapSeconds);
    rotated.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return { webhook: toWebhook(rotated.webhook), secret: rotated.secret };
  }
}
