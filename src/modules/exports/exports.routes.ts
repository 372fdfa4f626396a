import express, { Router } from 'express';
import { z } from 'zod';
import type { RequestGate } from '../../platform/http/request-gate.js';
import { restActor, restHandler } from '../../platform/http/rest.js';
import { AppError, BadInputError } from '../../platform/errors/app-error.js';
import type { Db } from '../../platform/db/mysql.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { PgBoss } from 'pg-boss';
import type { FileStore } from '../../platform/storage/file-store.js';
import { ENTITY_TYPES, entityDef } from '../records/index.js';
import { getProject } from '../organizations/index.js';
import { createExport, getExportJob, type ExportRetry } from './exports.service.js';
import { toExportJob } from './exports.types.js';
import { EXPORT_FORMATS } from './writers/writer.types.js';

const ExportRequest = z.object({
  type: z.enum(ENTITY_TYPES),
  format: z.enum(EXPORT_FORMATS as [string, ...string[]]),
  projectId: z.union([z.string().regex(/^\d{1,18}$/), z.number().int().positive()]).optional(),
  filters: z
    .object({ search: z.string().max(200).optional(), originIds: z.array(z.string()).max(1000).optional(), updatedSince: z.iso.datetime().optional() })
    .strict()
    .optional(),
}).strict();

/**
 * The REST side of exports (file transfer):
 *   POST /api/v1/export                 JSON { type, format, projectId?, filters? } → 202 with the job
 *   GET  /api/v1/export/{id}            the job
 *   GET  /api/v1/export/{id}/download   the ZIP (data file + manifest.json)
 */
export function exportsRouter(deps: { db: Db; boss: PgBoss; store: FileStore; gate: RequestGate; logger: Logger; retry?: ExportRetry }): Router {
  const router = Router();
  const jsonBody = (raw: unknown) => {
    const parsed = ExportRequest.safeParse(raw);
    if (!parsed.success) throw new BadInputError(`Invalid export request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
    return parsed.data;
  };
  router.post(
    '/export',
    // The body parser belongs to this route alone (uploads read the raw body).
    express.json({ limit: '64kb' }),
    restHandler(deps, 'exports:write', async (req, res, principal) => {
      const body = jsonBody(req.body);
      const type = body.type;
      let projectId: number | null = null;
      if (entityDef(type).projectScoped) {
        if (body.projectId === undefined) throw new BadInputError(`${type} belong to a project: pass projectId`, { field: 'projectId' });
        projectId = (await getProject(deps.db, principal.organizationId, Number(body.projectId))).id;
      } else if (body.projectId !== undefined) {
        throw new BadInputError(`${type} belong to the organization, not to a project`, { field: 'projectId' });
      }
      const job = await createExport({ db: deps.db, boss: deps.boss, retry: deps.retry }, restActor(principal, res), {
        scope: { organizationId: principal.organizationId, projectId },
        entityType: type,
        format: body.format as (typeof EXPORT_FORMATS)[number],
        filters: { search: body.filters?.search ?? null, originIds: body.filters?.originIds ?? null, updatedSince: body.filters?.updatedSince ?? null },
      });
      res.status(202).json({ exportJob: toExportJob(job) });
    }),
  );
  const idOf = (raw: unknown) => {
    const id = String(raw);
    if (!/^\d{1,18}$/.test(id)) throw new BadInputError('id is not a valid id', { field: 'id' });
    return Number(id);
  };
  router.get(
    '/export/:id',
    restHandler(deps, 'exports:read', async (req, res, principal) => {
      res.json({ exportJob: toExportJob(await getExportJob(deps.db, principal.organizationId, idOf(req.params['id']))) });
    }),
  );
  router.get(
    '/export/:id/download',
    restHandler(deps, 'exports:read', async (req, res, principal) => {
      const job = await getExportJob(deps.db, principal.organizationId, idOf(req.params['id']));
      if (job.status !== 'completed' || !job.fileKey) throw new AppError('CONFLICT', `Export ${job.id} is ${job.status}: nothing to download yet`, { context: { status: job.status } });
      res.setHeader('Content-Type', 'application/zip');
      res.setHeader('Content-Disposition', `attachment; filename="export-${job.id}-${job.entityType}.zip"`);
      res.setHeader('Content-Length', String(await deps.store.size(job.fileKey)));
      if (job.fileSha256) res.setHeader('Digest', `sha-256=${Buffer.from(job.fileSha256, 'hex').toString('base64')}`);
      (await deps.store.read(job.fileKey)).pipe(res);
    }),
  );
  return router;
}
