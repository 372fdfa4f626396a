import { Readable } from 'node:stream';
import express, { Router } from 'express';
import { z } from 'zod';
import type { RequestGate } from '../../platform/http/request-gate.js';
import { restActor, restHandler } from '../../platform/http/rest.js';
import { BadInputError } from '../../platform/errors/app-error.js';
import type { Logger } from '../../platform/logging/logger.js';
import { entityDef, isEntityType } from '../records/index.js';
import { cancelImport, checkHeaderRow, createImport, getImportJob, resumeImport, startImportRun, type ImportDeps } from './imports.service.js';
import { toCreatedPayload, toImportJob } from './imports.types.js';
import { IMPORT_MODES, type ImportOptions } from './import-jobs.table.js';
import { FILE_FORMATS, type FileFormat } from './parsers/index.js';
import { buildImportTemplate, TEMPLATE_CONTENT_TYPES, templateFileName, type TemplateFormat } from './templates/template.builder.js';

function queryOf(req: { query: unknown }): Record<string, string | undefined> {
  const query = req.query as Record<string, unknown>;
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));
}

/**
 * The REST side of imports, for clients that cannot send GraphQL multipart requests:
 *   POST /api/v1/import/upload?type=vendors&projectId=…&fileName=…   (the file is the raw body)
 *   POST /api/v1/import/validate   { importJobId, mapping? }          dry run, writes nothing
 *   POST /api/v1/import/execute    { importJobId, mapping?, mode? }   runs the import
 *   POST /api/v1/import/cancel     { importJobId }                    cancels a job that has not ended
 *   POST /api/v1/import/resume     { importJobId }                    resumes a failed or cancelled job
 *   GET  /api/v1/import/{id}/status
 *   GET  /api/v1/import/templates/{type}?format=xlsx|csv
 */
/** Body of validate and execute: the job, and optionally a mapping { header: field or null }. */
const RunRequest = z
  .object({
    importJobId: z.union([z.string().regex(/^\d{1,18}$/), z.number().int().positive()]),
    mapping: z.record(z.string().max(1000), z.string().max(100).nullable()).optional(),
    mode: z.enum(IMPORT_MODES).optional(),
  })
  .strict();

/** Body of cancel and resume: the job. */
const JobRequest = z.object({ importJobId: RunRequest.shape.importJobId }).strict();

function runRequest(raw: unknown, allowMode: boolean): z.infer<typeof RunRequest> {
  const parsed = RunRequest.safeParse(raw);
  if (!parsed.success) throw new BadInputError(`Invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  if (!allowMode && parsed.data.mode !== undefined) throw new BadInputError('mode applies to execute only', { field: 'mode' });
  return parsed.data;
}

export function importsRouter(deps: { importDeps: ImportDeps; gate: RequestGate; logger: Logger }): Router {
  const router = Router();
  for (const [path, dryRun] of [
    ['/import/validate', true],
    ['/import/execute', false],
  ] as const) {
    router.post(
      path,
      // The body parser belongs to these routes alone (the upload reads the raw body).
      express.json({ limit: '256kb' }),
      restHandler(deps, 'imports:write', async (req, res, principal) => {
        const body = runRequest(req.body, !dryRun);
        const job = await startImportRun(deps.importDeps, restActor(principal, res), principal.organizationId, Number(body.importJobId), {
          dryRun,
          mapping: body.mapping ?? null,
          ...(body.mode ? { mode: body.mode } : {}),
        });
        res.status(202).json({ importJob: toImportJob(job) });
      }),
    );
  }
  for (const [path, operation] of [
    ['/import/cancel', 'cancel'],
    ['/import/resume', 'resume'],
  ] as const) {
    router.post(
      path,
      express.json({ limit: '16kb' }),
      restHandler(deps, 'imports:write', async (req, res, principal) => {
        const parsed = JobRequest.safeParse(req.body);
        if (!parsed.success) throw new BadInputError(`Invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
        const id = Number(parsed.data.importJobId);
        const actor = restActor(principal, res);
        const job =
          operation === 'cancel' ? await cancelImport(deps.importDeps.db, actor, principal.organizationId, id) : await resumeImport(deps.importDeps, actor, principal.organizationId, id);
        res.status(operation === 'cancel' ? 200 : 202).json({ importJob: toImportJob(job) });
      }),
    );
  }
  router.post(
    '/import/upload',
    restHandler(deps, 'imports:write', async (req, res, principal) => {
      const query = queryOf(req);
      if (!query['type']) throw new BadInputError('Pass the import type as ?type=', { field: 'type' });
      const format = query['format'];
      if (format !== undefined && !FILE_FORMATS.includes(format as FileFormat)) throw new BadInputError(`Unknown format ${format}`, { field: 'format' });
      const projectId = query['projectId'];
      if (projectId !== undefined && !/^\d{1,18}$/.test(projectId)) throw new BadInputError('projectId is not a valid id', { field: 'projectId' });
      const options: ImportOptions = {};
      if (query['sheet']) options.sheet = /^\d+$/.test(query['sheet']) ? Number(query['sheet']) : query['sheet'];
      if (query['recordPath']) options.recordPath = query['recordPath'];
      if (query['delimiter']) options.delimiter = query['delimiter'];
      if (query['encoding']) options.encoding = query['encoding'];
      if (query['headerRow']) {
        if (!/^\d{1,3}$/.test(query['headerRow'])) throw new BadInputError('headerRow is a row number from 1 to 40', { field: 'headerRow' });
        options.headerRow = checkHeaderRow(Number(query['headerRow']));
      }
      const created = await createImport(
        deps.importDeps,
        restActor(principal, res),
        {
          organizationId: principal.organizationId,
          importType: query['type'],
          projectId: projectId ? Number(projectId) : null,
          fileName: query['fileName'] ?? 'upload',
          format: format as FileFormat | undefined,
          options,
        },
        req,
      );
      res.status(201).json(toCreatedPayload(created));
    }),
  );
  router.get(
    '/import/:id/status',
    restHandler(deps, 'imports:read', async (req, res, principal) => {
      const id = String(req.params['id']);
      if (!/^\d{1,18}$/.test(id)) throw new BadInputError('id is not a valid id', { field: 'id' });
      res.json({ importJob: toImportJob(await getImportJob(deps.importDeps.db, principal.organizationId, Number(id))) });
    }),
  );
  router.get(
    '/import/templates/:type',
    restHandler(deps, 'imports:read', async (req, res) => {
      const type = String(req.params['type']);
      if (!isEntityType(type)) throw new BadInputError(`Unknown import type ${type}`, { field: 'type' });
      const format = (queryOf(req)['format'] ?? 'xlsx') as TemplateFormat;
      if (format !== 'xlsx' && format !== 'csv') throw new BadInputError('format must be xlsx or csv', { field: 'format' });
      const entity = entityDef(type);
      res.setHeader('Content-Type', TEMPLATE_CONTENT_TYPES[format]);
      res.setHeader('Content-Disposition', `attachment; filename="${templateFileName(entity, format)}"`);
      Readable.from([await buildImportTemplate(entity, format)]).pipe(res);
    }),
  );
  return router;
}
