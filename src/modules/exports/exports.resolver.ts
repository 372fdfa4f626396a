import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { fieldRateLimit } from '../../platform/graphql/field-rate-limit.js';
import { parseId } from '../../platform/graphql/ids.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { AppError } from '../../platform/errors/app-error.js';
import { createDownloadLink, type DownloadLink } from '../files/index.js';
import { recordScope, type EntityType } from '../records/index.js';
import { ImportTypeEnum, DownloadLinkType } from '../imports/index.js';
import { createExport, getExportJob, listExportJobs, type ExportRetry } from './exports.service.js';
import { ExportFiltersInput, ExportFormatEnum, ExportJob, ExportJobConnection, toExportJob } from './exports.types.js';

/** The download of a finished export, valid for 15 minutes. */
export async function exportDownloadLink(ctx: GraphQLContext, id: number): Promise<DownloadLink> {
  const job = await getExportJob(ctx.services.db, ctx.principal!.organizationId, id);
  if (job.status !== 'completed' || !job.fileKey) {
    throw new AppError('CONFLICT', `Export ${id} is ${job.status}: nothing to download yet`, { context: { status: job.status } });
  }
  return createDownloadLink(ctx.services.db, {
    organizationId: job.organizationId,
    fileKey: job.fileKey,
    fileName: `export-${job.id}-${job.entityType}.zip`,
    contentType: 'application/zip',
    ttlSeconds: 15 * 60,
  });
}

@Resolver()
export class ExportsResolver {
  constructor(private readonly deps: { retry?: ExportRetry | undefined } = {}) {}

  @Authorized('exports:write')
  @UseMiddleware(fieldRateLimit({ max: 30, window: '1m' }))
  @Mutation(() => ExportJob, { description: 'Starts an export in the background; poll exportJob, then exportDownload.' })
  async createExport(
    @Arg('type', () => ImportTypeEnum) type: string,
    @Arg('format', () => ExportFormatEnum) format: ExportFormatEnum,
    @Arg('projectId', () => ID, { nullable: true }) projectId: string | null,
    @Arg('filters', () => ExportFiltersInput, { nullable: true }) filters: ExportFiltersInput | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExportJob> {
    const scope = await recordScope(ctx, type as EntityType, projectId);
    const job = await createExport({ db: ctx.services.db, boss: ctx.services.boss, retry: this.deps.retry }, actorOf(ctx), {
      scope,
      entityType: type as EntityType,
      format,
      filters: {
        search: filters?.search ?? null,
        originIds: filters?.originIds ?? null,
        updatedSince: filters?.updatedSince ? filters.updatedSince.toISOString() : null,
      },
    });
    return toExportJob(job);
  }

  @Authorized('exports:read')
  @Query(() => ExportJob)
  async exportJob(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ExportJob> {
    return toExportJob(await getExportJob(ctx.services.db, ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('exports:read')
  @Query(() => ExportJobConnection)
  async exportJobs(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: GraphQLContext): Promise<ExportJobConnection> {
    const page = toPage(args);
    return toConnection(await listExportJobs(ctx.services.db, ctx.principal!.organizationId, page), page, toExportJob);
  }

  @Authorized('exports:read')
  @Query(() => DownloadLinkType, { description: 'A link to the finished export’s ZIP; it expires in 15 minutes.' })
  async exportDownload(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DownloadLinkType> {
    return exportDownloadLink(ctx, parseId(id));
  }
}
