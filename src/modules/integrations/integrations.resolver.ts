import { z } from 'zod';
import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver, Root, Subscription, UseMiddleware } from 'type-graphql';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import { AuthenticationError } from '../../platform/errors/app-error.js';
import { liveStream } from '../../platform/queue/pubsub.js';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { fieldRateLimit } from '../../platform/graphql/field-rate-limit.js';
import { parseId } from '../../platform/graphql/ids.js';
import { toConnection, toPage } from '../../platform/graphql/pagination.js';
import { announceAudit } from '../audit/index.js';
import { SYNC_PROGRESS_TOPIC, type SyncProgress } from './integrations.jobs.js';
import type { IntegrationConnectionRow } from './integration-connections.table.js';
import type { ConnectorRegistry } from './integrations.registry.js';
import {
  createIntegration,
  deleteIntegration,
  getIntegration,
  latestSyncLog,
  listConflicts,
  listIntegrations,
  listSyncLogs,
  requestSync,
  resolveConflict,
  startConnect,
  updateIntegration,
  type IntegrationDeps,
} from './integrations.service.js';
import type { IntegrationSettings } from './integrations.settings.js';
import {
  ConflictSide,
  ConflictsArgs,
  ConflictStatus,
  ConnectIntegrationPayload,
  CreateIntegrationInput,
  Integration,
  IntegrationConflict,
  IntegrationConflictConnection,
  IntegrationConnection,
  IntegrationsArgs,
  IntegrationType,
  SyncDirection,
  SyncIntegrationPayload,
  SyncLogConnection,
  SyncLogsArgs,
  SyncMode,
  SyncProgressEvent,
  toConflict,
  toIntegration,
  toProgressEvent,
  toSyncLog,
  UpdateIntegrationInput,
} from './integrations.types.js';

const WRITE_LIMIT = { max: 60, window: '1m' };
/** Each sync costs provider requests; keep manual triggers rare. */
const SYNC_LIMIT = { max: 20, window: '1m' };

@Resolver()
export class IntegrationsResolver {
  constructor(private readonly deps: { secrets: SecretBox; registry: ConnectorRegistry; settings: IntegrationSettings }) {}

  private view(row: IntegrationConnectionRow): Integration {
    return toIntegration(row, this.deps.registry.get(row.integrationType));
  }

  private integrationDeps(ctx: GraphQLContext): IntegrationDeps {
    return { db: ctx.services.db, boss: ctx.services.boss, secrets: this.deps.secrets, registry: this.deps.registry, settings: this.deps.settings, logger: ctx.logger };
  }

  @Authorized('integrations:read')
  @Query(() => [IntegrationType], { description: 'Every kind of integration this server offers, with its capabilities and config schema.' })
  integrationTypes(): IntegrationType[] {
    return this.deps.registry.list().map((c) => ({
      type: c.type,
      name: c.name,
      description: c.description,
      capabilities: [...c.capabilities],
      entityTypes: [...c.entityTypes],
      auth: c.auth,
      configSchema: z.toJSONSchema(c.configSchema, { io: 'input', unrepresentable: 'any' }),
      credentialFields: [...(c.credentialFields ?? [])],
    }));
  }

  @Authorized('integrations:read')
  @Query(() => IntegrationConnection, { description: "The organization's integrations, newest first." })
  async integrations(@Args(() => IntegrationsArgs) args: IntegrationsArgs, @Ctx() ctx: GraphQLContext): Promise<IntegrationConnection> {
    const page = toPage(args);
    const rows = await listIntegrations(ctx.services.db, ctx.principal!.organizationId, page, {
      projectId: args.projectId == null ? undefined : parseId(args.projectId, 'projectId'),
      type: args.type ?? undefined,
    });
    return toConnection(rows, page, (row) => this.view(row));
  }

  @Authorized('integrations:read')
  @Query(() => Integration, { description: 'One integration. NOT_FOUND for integrations of other organizations.' })
  async integration(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Integration> {
    return this.view(await getIntegration(ctx.services.db, ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('integrations:read')
  @Query(() => SyncLogConnection, { description: "An integration's sync runs, newest first." })
  async integrationSyncLogs(@Args(() => SyncLogsArgs) args: SyncLogsArgs, @Ctx() ctx: GraphQLContext): Promise<SyncLogConnection> {
    const page = toPage(args);
    return toConnection(await listSyncLogs(ctx.services.db, ctx.principal!.organizationId, parseId(args.id), page), page, toSyncLog);
  }

  @Authorized('integrations:read')
  @Query(() => IntegrationConflictConnection, { description: 'Records changed on both sides of MANUAL integrations, newest first (open ones by default).' })
  async integrationConflicts(@Args(() => ConflictsArgs) args: ConflictsArgs, @Ctx() ctx: GraphQLContext): Promise<IntegrationConflictConnection> {
    const page = toPage(args);
    const rows = await listConflicts(ctx.services.db, ctx.principal!.organizationId, page, {
      connectionId: args.integrationId == null ? undefined : parseId(args.integrationId, 'integrationId'),
      status: args.status ?? ConflictStatus.OPEN,
    });
    return toConnection(rows, page, toConflict);
  }

  @Authorized('integrations:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => Integration, { description: 'Creates an integration; OAuth ones then need connectIntegration.' })
  async createIntegration(@Arg('input', () => CreateIntegrationInput) input: CreateIntegrationInput, @Ctx() ctx: GraphQLContext): Promise<Integration> {
    const created = await createIntegration(this.integrationDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, {
      type: input.type,
      name: input.name,
      projectId: input.projectId == null ? null : parseId(input.projectId, 'projectId'),
      config: input.config ?? undefined,
      conflictPolicy: input.conflictPolicy ?? undefined,
      credentials: input.credentials ?? undefined,
      syncIntervalMinutes: input.syncIntervalMinutes ?? undefined,
      entitySettings: input.entitySettings ?? undefined,
    });
    created.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return this.view(created.connection);
  }

  @Authorized('integrations:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => Integration, { description: 'Changes an integration. Omitted fields stay as they are.' })
  async updateIntegration(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateIntegrationInput) input: UpdateIntegrationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Integration> {
    const updated = await updateIntegration(this.integrationDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id), {
      name: input.name ?? undefined,
      projectId: input.projectId == null ? undefined : input.projectId === '0' ? null : parseId(input.projectId, 'projectId'),
      config: input.config ?? undefined,
      conflictPolicy: input.conflictPolicy ?? undefined,
      isActive: input.isActive ?? undefined,
      credentials: input.credentials ?? undefined,
      syncIntervalMinutes: input.syncIntervalMinutes ?? undefined,
      entitySettings: input.entitySettings ?? undefined,
    });
    updated.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return this.view(updated.connection);
  }

  @Authorized('integrations:write')
  @Mutation(() => ID, { description: 'Deletes an integration with its links and conflicts (platform records stay; sync logs stay as history). Returns its id.' })
  async deleteIntegration(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    const audit = await deleteIntegration(this.integrationDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return id;
  }

  @Authorized('integrations:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => ConnectIntegrationPayload, { description: "Starts the provider's OAuth authorization: send the person's browser to authorizeUrl." })
  async connectIntegration(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ConnectIntegrationPayload> {
    const started = await startConnect(this.integrationDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    started.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return { authorizeUrl: started.authorizeUrl, expiresAt: started.expiresAt };
  }

  @Authorized('integrations:write')
  @UseMiddleware(fieldRateLimit(SYNC_LIMIT))
  @Mutation(() => SyncIntegrationPayload, { description: 'Queues a sync of the integration. Watch syncProgress; results in integrationSyncLogs.' })
  async syncIntegration(
    @Arg('id', () => ID) id: string,
    @Arg('direction', () => SyncDirection, { defaultValue: SyncDirection.BOTH }) direction: SyncDirection,
    @Arg('mode', () => SyncMode, { defaultValue: SyncMode.INCREMENTAL }) mode: SyncMode,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SyncIntegrationPayload> {
    const result = await requestSync(this.integrationDeps(ctx), ctx.principal!.organizationId, parseId(id), { direction, mode });
    return { integration: this.view(result.connection), queued: result.queued };
  }

  @Authorized('integrations:write')
  @UseMiddleware(fieldRateLimit(WRITE_LIMIT))
  @Mutation(() => IntegrationConflict, { description: 'Settles a conflict: keep the PLATFORM version (pushed next) or the REMOTE one (written now).' })
  async resolveIntegrationConflict(
    @Arg('id', () => ID) id: string,
    @Arg('keep', () => ConflictSide) keep: ConflictSide,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IntegrationConflict> {
    const resolved = await resolveConflict(this.integrationDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id), keep);
    resolved.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toConflict(resolved.conflict);
  }

  @Authorized('integrations:read')
  @Subscription(() => SyncProgressEvent, {
    description: "Progress of an integration's syncs, from any worker: the latest state now, then every change.",
    subscribe: async ({ args, context }) => {
      const ctx = context as GraphQLContext;
      if (!ctx.principal) throw new AuthenticationError('MISSING', 'Authentication required');
      const connectionId: unknown = (args as Record<string, unknown>)['connectionId'];
      // NOT_FOUND for another organization's integration, before anything is streamed.
      const connection = await getIntegration(ctx.services.db, ctx.principal.organizationId, parseId(String(connectionId), 'connectionId'));
      const current = async (): Promise<SyncProgress> => {
        const log = await latestSyncLog(ctx.services.db, connection.organizationId, connection.id);
        return {
          connectionId: String(connection.id),
          syncLogId: log ? String(log.id) : null,
          status: log ? log.status : 'idle',
          phase: null,
          entity: null,
          processed: log?.recordsProcessed ?? 0,
          created: log?.recordsCreated ?? 0,
          updated: log?.recordsUpdated ?? 0,
          deleted: log?.recordsDeleted ?? 0,
          failed: log?.recordsFailed ?? 0,
          conflicts: log?.conflicts ?? 0,
          error: log?.errorLog?.find((e) => e.level !== 'info')?.message ?? null,
        };
      };
      // After the listener was down, the latest sync's state from MariaDB: its end may have been lost.
      const live = ctx.services.pubsub.subscribe(SYNC_PROGRESS_TOPIC, connection.id, { resync: async () => [await current()] });
      await ctx.services.pubsub.ensureListening();
      const first = await current();
      return liveStream([first], live);
    },
  })
  syncProgress(@Arg('connectionId', () => ID) _connectionId: string, @Root() event: SyncProgress): SyncProgressEvent {
    return toProgressEvent(event);
  }
}

