import express, { Router } from 'express';
import { z } from 'zod';
import { BadInputError } from '../../platform/errors/app-error.js';
import type { RequestGate } from '../../platform/http/request-gate.js';
import { restActor, restHandler } from '../../platform/http/rest.js';
import { toConnection, toPage } from '../../platform/graphql/pagination.js';
import type { Logger } from '../../platform/logging/logger.js';
import { CONFLICT_POLICIES, ENTITY_DIRECTIONS, type IntegrationConnectionRow } from './integration-connections.table.js';
import {
  completeConnect,
  createIntegration,
  deleteIntegration,
  getIntegration,
  listIntegrations,
  listSyncLogs,
  OAuthCallbackError,
  requestSync,
  updateIntegration,
  type IntegrationDeps,
} from './integrations.service.js';
import { OAUTH_CALLBACK_PATH } from './integrations.settings.js';
import { toIntegration, toSyncLog } from './integrations.types.js';

const idText = z.union([z.string().regex(/^\d{1,18}$/), z.number().int().positive()]);
const IntegrationBody = z
  .object({
    type: z.string().min(1).max(100),
    name: z.string().max(255),
    projectId: idText.nullable().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    conflictPolicy: z.enum(CONFLICT_POLICIES).optional(),
    isActive: z.boolean().optional(),
    credentials: z.record(z.string(), z.unknown()).optional(),
    syncIntervalMinutes: z.number().int().optional(),
    entitySettings: z
      .array(z.object({ entity: z.string().min(1).max(100), direction: z.enum(ENTITY_DIRECTIONS), conflictPolicy: z.enum(CONFLICT_POLICIES).nullable().optional() }).strict())
      .max(50)
      .optional(),
  })
  .strict();
const UpdateBody = IntegrationBody.omit({ type: true }).partial().strict();
const SyncBody = z.object({ direction: z.enum(['pull', 'push', 'both']).default('both'), mode: z.enum(['full', 'incremental']).default('incremental') }).strict();

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) throw new BadInputError(`Invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function idOf(raw: unknown, field = 'id'): number {
  const id = String(raw);
  if (!/^\d{1,18}$/.test(id) || Number(id) < 1) throw new BadInputError(`${field} is not a valid id`, { field });
  return Number(id);
}

function pageOf(query: Record<string, unknown>) {
  const first = query['first'] === undefined ? null : Number(query['first']);
  return toPage({ first, after: typeof query['after'] === 'string' ? query['after'] : null });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}

/**
 * The REST side of integrations (the spec's routes), over the same service as GraphQL:
 *   GET    /api/v1/integrations              list (first, after)
 *   POST   /api/v1/integrations              create → 201
 *   GET    /api/v1/integrations/{id}
 *   PUT    /api/v1/integrations/{id}         change (omitted fields stay)
 *   DELETE /api/v1/integrations/{id}         → 204
 *   POST   /api/v1/integrations/{id}/sync    { direction?, mode? } → 202 { queued }
 *   GET    /api/v1/integrations/{id}/logs    sync runs, newest first
 * and GET /api/v1/integrations/oauth/callback, where the provider sends the person's browser back
 * after connectIntegration: authenticated by its single-use state, not by an API key; it answers
 * a short HTML page (no tokens, no stack traces), with no caching and no referrer.
 */
export function integrationsRouter(deps: IntegrationDeps & { logger: Logger; gate: RequestGate }): Router {
  const view = (row: IntegrationConnectionRow) => toIntegration(row, deps.registry.get(row.integrationType));
  const router = Router();
  const json = express.json({ limit: '64kb' });
  router.get(OAUTH_CALLBACK_PATH.replace(/^\/api\/v1/, ''), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', "default-src 'none'");
    const query: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(req.query)) if (typeof value === 'string') query[key] = value;
    try {
      const connection = await completeConnect(deps, query);
      res.status(200).type('html').send(page('Connected', `${connection.name} is connected. You can close this window.`));
    } catch (error) {
      if (error instanceof OAuthCallbackError) {
        res.status(error.status).type('html').send(page('Not connected', error.message));
        return;
      }
      deps.logger.error({ err: error }, 'OAuth callback failed');
      res.status(500).type('html').send(page('Not connected', 'Something went wrong on our side; it was logged. Start again from the application.'));
    }
  });
  router.get(
    '/integrations',
    restHandler(deps, 'integrations:read', async (req, res, principal) => {
      const page = pageOf(req.query);
      res.json(toConnection(await listIntegrations(deps.db, principal.organizationId, page), page, view));
    }),
  );
  router.post(
    '/integrations',
    json,
    restHandler(deps, 'integrations:write', async (req, res, principal) => {
      const body = parse(IntegrationBody, req.body);
      const created = await createIntegration(deps, restActor(principal, res), principal.organizationId, {
        ...body,
        projectId: body.projectId == null ? null : idOf(body.projectId, 'projectId'),
      });
      res.status(201).json(view(created.connection));
    }),
  );
  router.get(
    '/integrations/:id',
    restHandler(deps, 'integrations:read', async (req, res, principal) => {
      res.json(view(await getIntegration(deps.db, principal.organizationId, idOf(req.params['id']))));
    }),
  );
  router.put(
    '/integrations/:id',
    json,
    restHandler(deps, 'integrations:write', async (req, res, principal) => {
      const id = idOf(req.params['id']);
      const body = parse(UpdateBody, req.body);
      const updated = await updateIntegration(deps, restActor(principal, res), principal.organizationId, id, {
        ...body,
        projectId: body.projectId === undefined ? undefined : body.projectId === null ? null : idOf(body.projectId, 'projectId'),
      });
      res.json(view(updated.connection));
    }),
  );
  router.delete(
    '/integrations/:id',
    restHandler(deps, 'integrations:write', async (req, res, principal) => {
      await deleteIntegration(deps, restActor(principal, res), principal.organizationId, idOf(req.params['id']));
      res.status(204).end();
    }),
  );
  router.post(
    '/integrations/:id/sync',
    json,
    restHandler(deps, 'integrations:write', async (req, res, principal) => {
      const body = parse(SyncBody, req.body);
      const result = await requestSync(deps, principal.organizationId, idOf(req.params['id']), body);
      res.status(202).json({ queued: result.queued, integration: view(result.connection) });
    }),
  );
  router.get(
    '/integrations/:id/logs',
    restHandler(deps, 'integrations:read', async (req, res, principal) => {
      const page = pageOf(req.query);
      res.json(toConnection(await listSyncLogs(deps.db, principal.organizationId, idOf(req.params['id']), page), page, toSyncLog));
    }),
  );
  return router;
}
