import { Arg, Authorized, Ctx, ID, Mutation, Resolver, UseMiddleware } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { fieldRateLimit } from '../../platform/graphql/field-rate-limit.js';
import { parseId } from '../../platform/graphql/ids.js';
import type { FileStore } from '../../platform/storage/file-store.js';
import { asUploadError, openUpload } from '../../platform/graphql/upload.js';
import { createDownloadLink } from '../files/index.js';
import { getProject } from '../organizations/index.js';
import type { Db } from '../../platform/db/mysql.js';
import type { FileImportSummary } from '../integrations/index.js';
import { exportScheduleFile, importScheduleFile, SCHEDULE_FILE_INFO } from './schedules.service.js';
import { ImportScheduleInput, ScheduleExport, ScheduleFormatEnum, ScheduleImportSummary, type ScheduleRecordCount } from './schedules.types.js';

const DOWNLOAD_TTL_SECONDS = 15 * 60;

export interface SchedulesDeps {
  store: FileStore;
  maxUploadBytes: number;
  /** Which of the event names the organization's active webhooks subscribe to (webhooks' subscribedEventNames). */
  subscribedEvents?: (db: Db, organizationId: number, eventNames: string[]) => Promise<string[]>;
}

function toSummary(summary: FileImportSummary): ScheduleImportSummary {
  const count = (type: keyof FileImportSummary['counts']): ScheduleRecordCount => summary.counts[type] ?? { created: 0, updated: 0, deleted: 0 };
  return {
    tasks: count('schedule_tasks'),
    dependencies: count('task_dependencies'),
    calendars: count('schedule_calendars'),
    resources: count('schedule_resources'),
    assignments: count('schedule_assignments'),
    warnings: summary.warnings,
  };
}

/**
 * Schedule files of a project: import (synchronous, one transaction: a 10,000-task file takes
 * seconds, see docs/notes/sched.md) and export (written to the file store, handed out as an
 * expiring link).
 */
@Resolver()
export class SchedulesResolver {
  constructor(private readonly deps: SchedulesDeps) {}

  @Authorized('records:write')
  @UseMiddleware(fieldRateLimit({ max: 30, window: '1m' }))
  @Mutation(() => ScheduleImportSummary, {
    description: 'Replaces a project’s schedule with an MS Project or P6 file: tasks, links, calendars, resources and assignments are upserted by their ids in the file, rows the file no longer has are deleted; all or nothing.',
  })
  async importSchedule(@Arg('input', () => ImportScheduleInput) input: ImportScheduleInput, @Ctx() ctx: GraphQLContext): Promise<ScheduleImportSummary> {
    const organizationId = ctx.principal!.organizationId;
    const projectId = parseId(input.projectId, 'projectId');
    await getProject(ctx.services.db, organizationId, projectId);
    const { content } = await openUpload(input.file, this.deps.maxUploadBytes);
    try {
      return toSummary(
        await importScheduleFile(ctx.services.db, { organizationId, projectId }, input.format, content, {
          p6Project: input.p6Project ?? undefined,
          ...(this.deps.subscribedEvents ? { subscribedEvents: (org: number, names: string[]) => this.deps.subscribedEvents!(ctx.services.db, org, names) } : {}),
        }),
      );
    } catch (error) {
      content.destroy();
      throw asUploadError(error, this.deps.maxUploadBytes);
    }
  }

  @Authorized('records:read')
  @UseMiddleware(fieldRateLimit({ max: 30, window: '1m' }))
  @Mutation(() => ScheduleExport, { description: 'Writes a project’s schedule as an MS Project or P6 file and returns a link to it; the link expires in 15 minutes.' })
  async exportSchedule(
    @Arg('projectId', () => ID) projectIdArg: string,
    @Arg('format', () => ScheduleFormatEnum) format: ScheduleFormatEnum,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ScheduleExport> {
    const organizationId = ctx.principal!.organizationId;
    const projectId = parseId(projectIdArg, 'projectId');
    const project = await getProject(ctx.services.db, organizationId, projectId);
    const warnings: string[] = [];
    const stream = await exportScheduleFile(ctx.services.db, { organizationId, projectId }, format, warnings);
    const info = SCHEDULE_FILE_INFO[format];
    const key = this.deps.store.newKey(organizationId, 'exports', info.extension);
    await this.deps.store.write(key, stream);
    const base = project.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || `project-${projectId}`;
    const fileName = `${base}-schedule${format === ScheduleFormatEnum.P6_XML ? '-p6' : ''}.${info.extension}`;
    const link = await createDownloadLink(ctx.services.db, { organizationId, fileKey: key, fileName, contentType: info.contentType, ttlSeconds: DOWNLOAD_TTL_SECONDS });
    return { ...link, fileName, warnings };
  }
}
