import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver, Root, Subscription, UseMiddleware } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { fieldRateLimit } from '../../platform/graphql/field-rate-limit.js';
import { parseId } from '../../platform/graphql/ids.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { AuthenticationError, BadInputError } from '../../platform/errors/app-error.js';
import { createDownloadLink } from '../files/index.js';
import { Readable } from 'node:stream';
import { openUpload } from '../../platform/graphql/upload.js';
import { liveStream } from '../../platform/queue/pubsub.js';
import { entityDef, type EntityType } from '../records/index.js';
import type { ImportOptions } from './import-jobs.table.js';
import { buildImportTemplate, TEMPLATE_CONTENT_TYPES, templateFileName } from './templates/template.builder.js';
import { IMPORT_PROGRESS_TOPIC } from './imports.jobs.js';
import { progressOfJob, type ImportProgress } from './imports.runner.js';
import { cancelImport, checkHeaderRow, createImport, getImportJob, listImportJobs, resumeImport, startImportRun, type ImportDeps } from './imports.service.js';
import { reportFile } from './imports.report.js';
import {
  ColumnMappingInput,
  CreateImportInput,
  CreateImportPayload,
  DownloadLinkType,
  ImportJob,
  ImportJobConnection,
  ImportModeEnum,
  ImportProgressEvent,
  ImportTypeEnum,
  ImportTypeInfo,
  ReportFormat,
  importTypeInfos,
  toCreatedPayload,
  toImportJob,
} from './imports.types.js';

const DOWNLOAD_TTL_SECONDS = 15 * 60;

function toMapping(input: ColumnMappingInput[] | null | undefined): Record<string, string | null> | undefined {
  if (!input) return undefined;
  const mapping: Record<string, string | null> = {};
  for (const { header, field } of input) {
    if (Object.hasOwn(mapping, header)) throw new BadInputError(`The mapping names the column "${header}" twice`, { field: 'mapping' });
    mapping[header] = field ?? null;
  }
  return mapping;
}

@Resolver()
export class ImportsResolver {
  constructor(private readonly deps: Omit<ImportDeps, 'db' | 'boss'>) {}

  private importDeps(ctx: GraphQLContext): ImportDeps {
    return { ...this.deps, db: ctx.services.db, boss: ctx.services.boss };
  }

  @Authorized('imports:read')
  @Query(() => [ImportTypeInfo], { description: 'Every import type and the fields it accepts.' })
  importTypes(): ImportTypeInfo[] {
    return importTypeInfos();
  }

  @Authorized('imports:read')
  @Query(() => ImportJobConnection, { description: 'The organization’s imports, newest first.' })
  async importJobs(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: GraphQLContext): Promise<ImportJobConnection> {
    const page = toPage(args);
    return toConnection(await listImportJobs(ctx.services.db, ctx.principal!.organizationId, page), page, toImportJob);
  }

  @Authorized('imports:read')
  @Query(() => ImportJob)
  async importJob(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ImportJob> {
    return toImportJob(await getImportJob(ctx.services.db, ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('imports:write')
  @UseMiddleware(fieldRateLimit({ max: 60, window: '1m' }))
  @Mutation(() => CreateImportPayload, {
    description: 'Uploads a file (GraphQL multipart request; send the header Apollo-Require-Preflight: true) and suggests a column mapping.',
  })
  async createImport(@Arg('input', () => CreateImportInput) input: CreateImportInput, @Ctx() ctx: GraphQLContext): Promise<CreateImportPayload> {
    const { upload, content } = await openUpload(input.file, this.deps.maxUploadBytes);
    const options: ImportOptions = {};
    if (input.sheet) options.sheet = /^\d+$/.test(input.sheet) ? Number(input.sheet) : input.sheet;
    if (input.recordPath) options.recordPath = input.recordPath;
    if (input.delimiter) options.delimiter = input.delimiter === '\\t' ? '\t' : input.delimiter;
    if (input.encoding) options.encoding = input.encoding;
    if (input.headerRow !== null && input.headerRow !== undefined) options.headerRow = checkHeaderRow(input.headerRow);
    const created = await createImport(
      this.importDeps(ctx),
      actorOf(ctx),
      {
        organizationId: ctx.principal!.organizationId,
        importType: input.type,
        projectId: input.projectId ? parseId(input.projectId, 'projectId') : null,
        fileName: upload.filename,
        format: input.format ?? undefined,
        options,
      },
      content,
    );
    return toCreatedPayload(created);
  }

  @Authorized('imports:write')
  @Mutation(() => ImportJob, { description: 'Dry run: checks every row against the mapping and the database, writes nothing. Watch importProgress. PENDING or VALIDATED jobs only (CONFLICT otherwise).' })
  async validateImport(
    @Arg('id', () => ID) id: string,
    @Arg('mapping', () => [ColumnMappingInput], { nullable: true, description: 'Overrides the suggested mapping; saved for the next file with these headers.' })
    mapping: ColumnMappingInput[] | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ImportJob> {
    const job = await startImportRun(this.importDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id), { dryRun: true, mapping: toMapping(mapping) });
    return toImportJob(job);
  }

  @Authorized('imports:write')
  @Mutation(() => ImportJob, { description: 'Runs the import in the background. Watch importProgress. PENDING or VALIDATED jobs only (CONFLICT otherwise; a FAILED or CANCELLED one is resumed with resumeImport).' })
  async executeImport(
    @Arg('id', () => ID) id: string,
    @Arg('mapping', () => [ColumnMappingInput], { nullable: true }) mapping: ColumnMappingInput[] | null,
    @Arg('mode', () => ImportModeEnum, { defaultValue: ImportModeEnum.SKIP_INVALID }) mode: ImportModeEnum,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ImportJob> {
    const job = await startImportRun(this.importDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id), {
      dryRun: false,
      mapping: toMapping(mapping),
      mode,
    });
    return toImportJob(job);
  }

  @Authorized('imports:write')
  @Mutation(() => ImportJob, {
    description:
      'Cancels a job that has not ended, at once (a running import stops at its next chunk, which is rolled back); rows already committed stay (skip-invalid mode). CONFLICT for a job that has ended.',
  })
  async cancelImport(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ImportJob> {
    return toImportJob(await cancelImport(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('imports:write')
  @Mutation(() => ImportJob, {
    description:
      'Carries on a FAILED or CANCELLED job in the run it was in: an import from its last committed row (rows already in are not written again), a dry run from the start. CONFLICT in any other state.',
  })
  async resumeImport(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ImportJob> {
    return toImportJob(await resumeImport(this.importDeps(ctx), actorOf(ctx), ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('imports:read')
  @Query(() => DownloadLinkType, { description: 'The failed rows with their original columns and the errors, as CSV or XLSX.' })
  async importErrorReport(
    @Arg('id', () => ID) id: string,
    @Arg('format', () => ReportFormat, { defaultValue: ReportFormat.CSV }) format: ReportFormat,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DownloadLinkType> {
    const job = await getImportJob(ctx.services.db, ctx.principal!.organizationId, parseId(id));
    const file = await reportFile(this.deps.store, job, format);
    return createDownloadLink(ctx.services.db, { organizationId: job.organizationId, ...file, ttlSeconds: DOWNLOAD_TTL_SECONDS });
  }

  @Authorized('imports:read')
  @Query(() => DownloadLinkType, {
    description: 'A template for an import type: labelled headers, an example row; as XLSX also Excel data validation and a sheet documenting every field.',
  })
  async importTemplate(
    @Arg('type', () => ImportTypeEnum) type: string,
    @Arg('format', () => ReportFormat, { defaultValue: ReportFormat.XLSX }) format: ReportFormat,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DownloadLinkType> {
    const entity = entityDef(type as EntityType);
    const organizationId = ctx.principal!.organizationId;
    const fileKey = this.deps.store.newKey(organizationId, 'templates', format);
    await this.deps.store.write(fileKey, Readable.from([await buildImportTemplate(entity, format)]));
    return createDownloadLink(ctx.services.db, {
      organizationId,
      fileKey,
      fileName: templateFileName(entity, format),
      contentType: TEMPLATE_CONTENT_TYPES[format],
      ttlSeconds: DOWNLOAD_TTL_SECONDS,
    });
  }

  @Authorized('imports:read')
  @Subscription(() => ImportProgressEvent, {
    description: 'Progress of one import, from any worker: its state now, then every change.',
    subscribe: async ({ args, context }) => {
      const ctx = context as GraphQLContext;
      if (!ctx.principal) throw new AuthenticationError('MISSING', 'Authentication required');
      // Throws NOT_FOUND for another organization's job, before anything is streamed.
      const jobId: unknown = (args as Record<string, unknown>)['jobId'];
      const job = await getImportJob(ctx.services.db, ctx.principal.organizationId, parseId(String(jobId)));
      const current = async (): Promise<ImportProgress> => progressOfJob(await getImportJob(ctx.services.db, job.organizationId, job.id));
      // After the listener was down (PostgreSQL restarting), the job's state now, from MariaDB:
      // a COMPLETED or FAILED published meanwhile was lost with the connection.
      const live = ctx.services.pubsub.subscribe(IMPORT_PROGRESS_TOPIC, job.id, { resync: async () => [await current()] });
      await ctx.services.pubsub.ensureListening();
      // Read again after listening, so no change falls between the snapshot and the stream.
      const first = await current();
      return liveStream([first], live);
    },
  })
  importProgress(@Arg('jobId', () => ID) _jobId: string, @Root() event: ImportProgress): ImportProgressEvent {
    return event;
  }
}

