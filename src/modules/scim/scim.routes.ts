import express, { Router, type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import type { Db } from '../../platform/db/mysql.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { PgPubSub } from '../../platform/queue/pubsub.js';
import { rateLimitHeaders, type WindowLimiter } from '../../platform/rate-limit/window-limiter.js';
import { announceAudit, type AuditEventRow } from '../audit/index.js';
import { invalidSyntax, ScimError, scimErrorBody, scimNotFound } from './scim.errors.js';
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from './scim.groups.js';
import { parsePatchBody } from './scim.patch.js';
import { etagOf, listResponse, parseScimId, project, readListQuery, readProjection, type Resource } from './scim.resources.js';
import { GROUP_TYPE, resourceTypeResource, SCHEMAS, schemaResource, serviceProviderConfig, USER_TYPE } from './scim.schema.js';
import { verifyScimToken } from './scim.tokens.js';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser, type ScimScope } from './scim.users.js';

/**
 * /scim/v2 — SCIM 2.0 (RFC 7644) for identity providers (Okta, Entra ID): Users, Groups and
 * discovery. Authenticated by an organization's SCIM token, never an API key; every request is
 * confined to the token's organization. JSON bodies (application/scim+json or application/json)
 * are parsed by this router only; every error leaves as a SCIM Error body.
 */
export interface ScimRouterDeps {
  db: Db;
  pubsub: PgPubSub;
  logger: Logger;
  /** e.g. https://trestle.example.com/scim/v2: meta.location and $ref are built on it. */
  baseUrl: string;
  bodyLimitBytes: number;
  /** Counts requests per token (and per address without one); none: no limit. */
  rateLimit?: { limiter: Pick<WindowLimiter, 'hit'>; perTokenPerMinute: number; anonymousPerMinute: number };
}

const SCIM_TYPE = 'application/scim+json';
const JSON_TYPES = [SCIM_TYPE, 'application/json'];

function send(res: Response, status: number, body: unknown, version?: number): void {
  res.status(status).type(`${SCIM_TYPE}; charset=utf-8`);
  if (version !== undefined) res.setHeader('ETag', etagOf(version));
  res.json(body);
}

function fail(res: Response, error: ScimError): void {
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="SCIM"');
  send(res, error.status, scimErrorBody(error));
}

function scopeOf(res: Response): ScimScope {
  return res.locals['scim'] as ScimScope;
}

function idOf(req: Request): number | null {
  return parseScimId(req.params['id']);
}

function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidSyntax('The body must be a JSON object');
  return body as Record<string, unknown>;
}

const ifMatch = (req: Request) => (typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined);

export function scimRouter(deps: ScimRouterDeps): Router {
  const router = Router();
  const announce = (events: AuditEventRow[]) => events.forEach((event) => announceAudit(deps.pubsub, event));

  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  // Discovery needs no token: it says what the service supports, nothing about any organization.
  router.get('/ServiceProviderConfig', (_req, res) => send(res, 200, serviceProviderConfig(deps.baseUrl)));
  router.get('/ResourceTypes', (_req, res) => {
    const resources = [USER_TYPE, GROUP_TYPE].map((t) => resourceTypeResource(t, deps.baseUrl));
    send(res, 200, listResponse(resources, resources.length, 1));
  });
  router.get('/ResourceTypes/:name', (req, res) => {
    const type = [USER_TYPE, GROUP_TYPE].find((t) => t.name === req.params['name']);
    if (!type) throw scimNotFound('ResourceType', String(req.params['name']));
    send(res, 200, resourceTypeResource(type, deps.baseUrl));
  });
  router.get('/Schemas', (_req, res) => {
    const resources = SCHEMAS.map((s) => schemaResource(s, deps.baseUrl));
    send(res, 200, listResponse(resources, resources.length, 1));
  });
  router.get('/Schemas/:id', (req, res) => {
    const schema = SCHEMAS.find((s) => s.id === req.params['id']);
    if (!schema) throw scimNotFound('Schema', String(req.params['id']));
    send(res, 200, schemaResource(schema, deps.baseUrl));
  });

  /** Counts the request; refuses with 429 and Retry-After when a window is spent. */
  const count = async (res: Response, bucket: string, name: string, limit: number) => {
    if (!deps.rateLimit) return;
    const decision = await deps.rateLimit.limiter.hit(bucket, [{ name, limit, windowSeconds: 60 }]);
    for (const [header, value] of Object.entries(rateLimitHeaders(decision))) res.setHeader(header, value);
    if (!decision.allowed) {
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      throw new ScimError(429, null, `Too many requests: retry in ${decision.retryAfterSeconds} s`);
    }
  };

  const authenticate: RequestHandler = async (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const token = match?.[1] ? await verifyScimToken(deps.db, match[1]) : null;
    if (token) await count(res, `scim_token:${token.tokenId}`, 'scim', deps.rateLimit?.perTokenPerMinute ?? 0);
    else await count(res, `scim_ip:${req.ip ?? 'unknown'}`, 'scim_anonymous', deps.rateLimit?.anonymousPerMinute ?? 0);
    if (!token) throw new ScimError(401, null, match ? 'The SCIM token is invalid or revoked' : 'Authentication required: send the SCIM token as "Authorization: Bearer <token>"');
    res.locals['principal'] = `scim_token:${token.tokenId}`;
    res.locals['scim'] = {
      organizationId: token.organizationId,
      actor: { type: 'scim_token', id: String(token.tokenId), requestId: String(res.locals['requestId'] ?? '') },
      baseUrl: deps.baseUrl,
    } satisfies ScimScope;
    next();
  };
  router.use(authenticate);

  const parser = express.json({ type: JSON_TYPES, limit: deps.bodyLimitBytes, strict: true });
  const jsonBody: RequestHandler = (req, res, next) => {
    if (!req.is(JSON_TYPES)) {
      fail(res, new ScimError(415, null, `Send the body as ${SCIM_TYPE} or application/json`));
      return;
    }
    parser(req, res, next);
  };

  const created = (res: Response, resource: Resource, version: number) => {
    res.setHeader('Location', String((resource['meta'] as { location: string }).location));
    send(res, 201, resource, version);
  };

  /** A list answer, for GET with query parameters and for POST /.search with the same in a body. */
  const sendList = async (
    res: Response,
    raw: Parameters<typeof readListQuery>[0],
    list: (db: Db, scope: ScimScope, query: ReturnType<typeof readListQuery>) => Promise<{ resources: Resource[]; totalResults: number }>,
  ) => {
    const query = readListQuery(raw);
    const { resources, totalResults } = await list(deps.db, scopeOf(res), query);
    send(res, 200, listResponse(resources, totalResults, query.startIndex));
  };

  // Users
  router.get('/Users', async (req, res) => sendList(res, req.query, listUsers));
  router.post('/Users/.search', jsonBody, async (req, res) => sendList(res, bodyOf(req), listUsers));
  router.post('/Users', jsonBody, async (req, res) => {
    const result = await createUser(deps.db, scopeOf(res), bodyOf(req));
    announce(result.audit);
    created(res, project(USER_TYPE, result.resource, readProjection(req.query)), result.version);
  });
  router.get('/Users/:id', async (req, res) => {
    const result = await getUser(deps.db, scopeOf(res), idOf(req));
    send(res, 200, project(USER_TYPE, result.resource, readProjection(req.query)), result.version);
  });
  router.put('/Users/:id', jsonBody, async (req, res) => {
    const result = await replaceUser(deps.db, scopeOf(res), idOf(req), bodyOf(req), ifMatch(req));
    announce(result.audit);
    send(res, 200, project(USER_TYPE, result.resource, readProjection(req.query)), result.version);
  });
  router.patch('/Users/:id', jsonBody, async (req, res) => {
    const result = await patchUser(deps.db, scopeOf(res), idOf(req), parsePatchBody(req.body), ifMatch(req));
    announce(result.audit);
    send(res, 200, project(USER_TYPE, result.resource, readProjection(req.query)), result.version);
  });
  router.delete('/Users/:id', async (req, res) => {
    announce(await deleteUser(deps.db, scopeOf(res), idOf(req), ifMatch(req)));
    res.status(204).end();
  });

  // Groups
  router.get('/Groups', async (req, res) => sendList(res, req.query, listGroups));
  router.post('/Groups/.search', jsonBody, async (req, res) => sendList(res, bodyOf(req), listGroups));
  router.post('/Groups', jsonBody, async (req, res) => {
    const result = await createGroup(deps.db, scopeOf(res), bodyOf(req));
    announce(result.audit);
    created(res, project(GROUP_TYPE, result.resource, readProjection(req.query)), result.version);
  });
  router.get('/Groups/:id', async (req, res) => {
    const projection = readProjection(req.query);
    const withMembers = !projection.excludedAttributes.some((a) => a.toLowerCase() === 'members');
    const result = await getGroup(deps.db, scopeOf(res), idOf(req), withMembers);
    send(res, 200, project(GROUP_TYPE, result.resource, projection), result.version);
  });
  router.put('/Groups/:id', jsonBody, async (req, res) => {
    const result = await replaceGroup(deps.db, scopeOf(res), idOf(req), bodyOf(req), ifMatch(req));
    announce(result.audit);
    send(res, 200, project(GROUP_TYPE, result.resource, readProjection(req.query)), result.version);
  });
  router.patch('/Groups/:id', jsonBody, async (req, res) => {
    const result = await patchGroup(deps.db, scopeOf(res), idOf(req), parsePatchBody(req.body), ifMatch(req));
    announce(result.audit);
    // RFC 7644 §3.5.2: 204 unless the client asks for attributes; a large group's members are not echoed on every change.
    const projection = readProjection(req.query);
    if (!projection.attributes.length && !projection.excludedAttributes.length) {
      res.setHeader('ETag', etagOf(result.version));
      res.status(204).end();
      return;
    }
    send(res, 200, project(GROUP_TYPE, result.resource, projection), result.version);
  });
  router.delete('/Groups/:id', async (req, res) => {
    announce(await deleteGroup(deps.db, scopeOf(res), idOf(req), ifMatch(req)));
    res.status(204).end();
  });

  router.all(['/Bulk', '/Me'], (_req, res) => fail(res, new ScimError(501, null, 'Not supported by this service (see /ServiceProviderConfig)')));
  router.use((req, res) => fail(res, new ScimError(404, null, `No SCIM endpoint ${req.method} ${req.path}`)));

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ScimError) {
      fail(res, error);
      return;
    }
    const parse = error as { type?: string; status?: number };
    if (parse.type === 'entity.parse.failed') {
      fail(res, invalidSyntax('The body is not valid JSON'));
      return;
    }
    if (parse.type === 'entity.too.large') {
      res.setHeader('Connection', 'close');
      fail(res, new ScimError(413, null, `Request bodies are limited to ${deps.bodyLimitBytes} bytes`));
      return;
    }
    if (typeof parse.status === 'number' && parse.status >= 400 && parse.status < 500) {
      fail(res, new ScimError(parse.status, null, 'The request could not be read'));
      return;
    }
    deps.logger.error({ err: error, path: req.path, requestId: res.locals['requestId'] as string | undefined }, 'SCIM request failed');
    fail(res, new ScimError(500, null, 'Internal server error'));
  };
  router.use(onError);
  return router;
}
