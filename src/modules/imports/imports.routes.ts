import { Router } from 'express';
import type { RequestGate } from '../../platform/http/request-gate.js';
import { hasScope } from '../../platform/auth/scopes.js';
import { AppError, AuthenticationError, BadInputError, ForbiddenError } from '../../platform/errors/app-error.js';
import { httpStatusFor } from '../../platform/graphql/errors.js';
import type { Logger } from '../../platform/logging/logger.js';
import { createImport, type ImportDeps } from './imports.service.js';
import { toImportJob, toSuggestions } from './imports.types.js';
import type { ImportOptions } from './import-jobs.table.js';
import { FILE_FORMATS, type FileFormat } from './parsers/index.js';

/**
 * POST /api/v1/import/upload?type=vendors&projectId=…&fileName=…  with the file as the raw
 * request body, for clients that cannot send a GraphQL multipart request. Same rules as
 * createImport: API key with imports:write, size limit, job created with a suggested mapping.
 */
export function importsRouter(deps: { importDeps: ImportDeps; gate: RequestGate; logger: Logger }): Router {
  const router = Router();
  router.post('/import/upload', async (req, res) => {
    try {
      const gate = await deps.gate(
        { authorization: req.headers.authorization, apiKey: typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined },
        req.ip ?? 'unknown',
      );
      for (const [name, value] of Object.entries(gate.headers)) res.setHeader(name, value);
      if (!gate.principal) throw new AuthenticationError('MISSING', 'Authentication required: send an API key');
      if (!hasScope(gate.principal.scopes, 'imports:write')) {
        throw new ForbiddenError('This operation requires the scope imports:write', { reason: 'INSUFFICIENT_SCOPE' });
      }
      const query = req.query as Record<string, string | undefined>;
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
      const created = await createImport(
        deps.importDeps,
        { type: gate.principal.kind, id: gate.principal.id, requestId: String(res.locals['requestId'] ?? '') },
        {
          organizationId: gate.principal.organizationId,
          importType: query['type'],
          projectId: projectId ? Number(projectId) : null,
          fileName: query['fileName'] ?? 'upload',
          format: format as FileFormat | undefined,
          options,
        },
        req,
      );
      res.status(201).json({ importJob: toImportJob(created.job), suggestions: toSuggestions(created.suggestion), mappingFromSaved: created.mappingFromSaved });
    } catch (error) {
      if (error instanceof AppError) {
        const retryAfter = error.context['retryAfter'];
        if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
        res.status(httpStatusFor(error.code)).json({ error: { code: error.code, message: error.message, ...error.context } });
        return;
      }
      deps.logger.error({ err: error }, 'upload failed');
      res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' } });
    }
  });
  return router;
}
