import { randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { changeDataCapture } from './cdc.js';
import { Company, ENTITY_NAMES, entityByName, queryableFields, type ChangeEvent, type EntityName, type QboObject } from './entities.js';
import { authenticationFailed, authorizationFailed, objectNotFound, qboTime, QboFault, systemFault, throttled, validationFault } from './faults.js';
import { RealmLimiter } from './limits.js';
import { OAuthServer, type HttpAnswer, type OAuthClient } from './oauth.js';
import { parseQuery, QueryError } from './query-language.js';
import { WebhookNotifier, type WebhookDelivery, type WebhookOptions } from './webhooks.js';

/**
 * A local QuickBooks Online: Intuit's OAuth 2.0 endpoints and the Accounting API under
 * `/v3/company/{realmId}/…` (query, read, create, update, delete, cdc), with its limits, faults and
 * signed webhooks, plus a control API for tests. See README.md beside this file.
 */

export interface QuickBooksSimulatorOptions {
  /** Default 0 (any free port) on 127.0.0.1. */
  port?: number;
  /** Per company; default 500 (Intuit's). */
  requestsPerMinute?: number;
  /** Concurrent requests per company; default 10 (Intuit's). */
  maxConcurrent?: number;
  /** Default 3600 (Intuit's). */
  accessTokenTtlSeconds?: number;
  /** Added to every API request after admission; default 0. */
  latencyMs?: number;
  clients?: OAuthClient[];
  webhook?: WebhookOptions;
  /** Answer 429s with a Retry-After header (Intuit documents none: "wait 60 seconds"); default false. */
  retryAfterHeader?: boolean;
  /** The clock; default Date.now. `advanceTime` adds to it. */
  now?: () => number;
}

export type FailureSpec = { status: number; body?: string; headers?: Record<string, string> } | 'timeout' | 'malformed';

export interface RequestLogEntry {
  method: string;
  route: string;
  path: string;
  realmId: string | null;
  status: number;
  at: number;
}

export interface SimulatorStats {
  requests: number;
  byRoute: Record<string, number>;
  rateLimited: number;
  maxConcurrentSeen: number;
  requestLog: RequestLogEntry[];
}

export interface QuickBooksSimulator {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** `${url}/v3/company`: the connector appends `/{realmId}/…`. */
  apiBaseUrl: string;
  /** The default company. */
  realmId: string;
  addClient(client: OAuthClient): void;
  /** A new company (realm); its CompanyInfo.CompanyName is `name` or "Sandbox Company US nnnn". */
  createCompany(name?: string): string;
  /** The company the next authorization connects (default: realmId). */
  setAuthorizationRealm(realmId: string): void;
  /** The next `count` authorizations redirect with error=access_denied. */
  denyAuthorizations(count?: number): void;
  /** Creates objects as they are (validated as the API would); no webhooks. Returns them as the API shows them. */
  seed(realmId: string, entity: EntityName, objects: QboObject[]): QboObject[];
  /** As if a QuickBooks user edited the object: SyncToken and LastUpdatedTime move, CDC sees it, a webhook goes out. */
  change(realmId: string, entity: EntityName, id: string, fields: QboObject): QboObject;
  /** As if a QuickBooks user deleted it (vendors and customers: made inactive). */
  remove(realmId: string, entity: EntityName, id: string): QboObject;
  get(realmId: string, entity: EntityName, id: string): QboObject | null;
  /** Every object of the entity that is not deleted, inactive ones included. */
  list(realmId: string, entity: EntityName): QboObject[];
  /** As if the user disconnected the app: refresh and access tokens stop working. Returns the grants revoked. */
  revokeRefreshTokens(realmId?: string): number;
  /**
   * The next `count` requests fail as told: API requests (under /v3) by default, or those whose
   * route (as in `stats().byRoute`, e.g. 'POST /vendor', 'POST /oauth2/v1/tokens/bearer') matches `only`.
   */
  failNext(count: number, failure: FailureSpec, only?: { route: string | RegExp }): void;
  setLimits(limits: { requestsPerMinute?: number; maxConcurrent?: number }): void;
  setLatency(latencyMs: number): void;
  /** Holds every admitted API request (it keeps its concurrency slot) until the returned function is called. */
  pause(): () => void;
  /** API requests admitted and not yet answered, per company. */
  inFlight(realmId?: string): number;
  setWebhook(webhook: WebhookOptions | null): void;
  webhookDeliveries(): WebhookDelivery[];
  /** Resolves when every notification so far has been sent and answered. */
  waitForWebhooks(): Promise<void>;
  /** Moves the simulator's clock forward (token expiry, CDC window, rate window). */
  advanceTime(ms: number): void;
  now(): number;
  stats(): SimulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

const MAX_BODY = 10 * 1024 * 1024;
const newRealmId = () => `9341${String(randomInt(100_000_000, 999_999_999))}${String(randomInt(100, 999))}`;

function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooBig ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startQuickBooksSimulator(options: QuickBooksSimulatorOptions = {}): Promise<QuickBooksSimulator> {
  let offset = 0;
  const baseClock = options.now ?? Date.now;
  const clock = () => baseClock() + offset;
  const retryAfterHeader = options.retryAfterHeader ?? false;
  let latencyMs = options.latencyMs ?? 0;

  const notifier = new WebhookNotifier(options.webhook ?? null);
  const companies = new Map<string, Company>();
  const createCompany = (name?: string): string => {
    let realmId = newRealmId();
    while (companies.has(realmId)) realmId = newRealmId();
    companies.set(realmId, new Company(realmId, clock, (event: ChangeEvent) => notifier.notify(event), ...(name === undefined ? [] : [name])));
    return realmId;
  };
  const defaultRealm = createCompany();
  const oauth = new OAuthServer(clock, options.accessTokenTtlSeconds ?? 3600, defaultRealm);
  for (const client of options.clients ?? []) oauth.addClient(client);
  const limiter = new RealmLimiter(clock, options.requestsPerMinute ?? 500, options.maxConcurrent ?? 10);

  const failures: Array<{ failure: FailureSpec; route: string | RegExp | null }> = [];
  const takeFailure = (route: string, api: boolean): FailureSpec | undefined => {
    const index = failures.findIndex((f) => (f.route === null ? api : typeof f.route === 'string' ? f.route === route : f.route.test(route)));
    return index < 0 ? undefined : failures.splice(index, 1)[0]!.failure;
  };
  let gate: Promise<void> | null = null;
  let openGate: (() => void) | null = null;
  let stats: SimulatorStats = { requests: 0, byRoute: {}, rateLimited: 0, maxConcurrentSeen: 0, requestLog: [] };
  const sockets = new Set<Socket>();

  const company = (realmId: string): Company => {
    const found = companies.get(realmId);
    if (!found) throw new Error(`No company ${realmId} in the simulator`);
    return found;
  };

  function send(res: http.ServerResponse, answer: HttpAnswer): number {
    res.writeHead(answer.status, { 'intuit_tid': randomUUID(), ...answer.headers });
    res.end(answer.body);
    return answer.status;
  }

  function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
    return send(res, { status, headers: { 'Content-Type': 'application/json;charset=UTF-8', ...headers }, body: JSON.stringify(body) });
  }

  function sendFault(res: http.ServerResponse, fault: QboFault): number {
    return sendJson(res, fault.status, fault.body, fault.headers);
  }

  function injectedFailure(res: http.ServerResponse, failure: FailureSpec): number {
    const now = clock();
    if (failure === 'timeout') return 0; // never answered; the socket stays open until the client gives up
    if (failure === 'malformed') {
      return send(res, { status: 200, headers: { 'Content-Type': 'application/json;charset=UTF-8' }, body: '{"QueryResponse":{"Vendor":[{"Id":"1","Displ' });
    }
    if (failure.body !== undefined) return send(res, { status: failure.status, headers: failure.headers ?? {}, body: failure.body });
    const fault =
      failure.status === 429
        ? throttled(now, retryAfterHeader ? 60 : null)
        : failure.status === 401
          ? authenticationFailed(now, 'Token expired')
          : failure.status === 403
            ? authorizationFailed(now, 'simulated')
            : systemFault(now, failure.status);
    return sendJson(res, fault.status, fault.body, { ...fault.headers, ...(failure.headers ?? {}) });
  }

  /** Everything under /v3/company/{realmId}/ after the checks: the API proper. */
  function api(res: http.ServerResponse, method: string, realm: Company, rest: string[], params: URLSearchParams, body: string): number {
    const now = clock();
    const [head, second] = rest;
    if (head === 'query' && (method === 'GET' || method === 'POST') && rest.length === 1) {
      const text = method === 'GET' || body.trim() === '' ? (params.get('query') ?? '') : body;
      let parsed;
      try {
        parsed = parseQuery(text);
      } catch (error) {
        if (error instanceof QueryError) throw queryFault(now, error);
        throw error;
      }
      const entity = entityByName(parsed.entity);
      if (!entity) throw queryFault(now, new QueryError('4001', `QueryValidationError: Entity ${parsed.entity} is not supported`));
      const allowed = queryableFields(entity);
      for (const field of [...parsed.where.map((c) => c.field), ...parsed.orderBy.map((o) => o.field), ...(parsed.fields ?? [])]) {
        if (!allowed.has(field.split('.')[0]!.toLowerCase())) {
          throw queryFault(now, new QueryError('4001', `QueryValidationError: property '${field}' is not queryable`));
        }
      }
      const { page, total } = realm.query(entity, parsed);
      if (parsed.count) return sendJson(res, 200, { QueryResponse: { totalCount: total }, time: qboTime(now, true) });
      if (page.length === 0) return sendJson(res, 200, { QueryResponse: {}, time: qboTime(now, true) });
      const objects = page.map((s) => {
        const full = realm.view(s);
        if (!parsed.fields) return full;
        const wanted = new Set(parsed.fields.map((f) => f.toLowerCase()));
        return Object.fromEntries(Object.entries(full).filter(([k]) => wanted.has(k.toLowerCase()) || k === 'Id' || k === 'domain').concat([['sparse', true]]));
      });
      return sendJson(res, 200, {
        QueryResponse: { [entity]: objects, startPosition: parsed.startPosition, maxResults: objects.length },
        time: qboTime(now, true),
      });
    }
    if (head?.toLowerCase() === 'companyinfo' && method === 'GET' && rest.length === 2) {
      if (second !== realm.realmId) throw objectNotFound(now, 'CompanyInfo', second ?? '');
      return sendJson(res, 200, { CompanyInfo: realm.companyInfo(), time: qboTime(now, true) });
    }
    if (head === 'cdc' && method === 'GET' && rest.length === 1) {
      return sendJson(res, 200, changeDataCapture(realm, params, now));
    }
    const entity = head === undefined ? null : entityByName(head);
    if (entity && method === 'GET' && rest.length === 2 && second) {
      return sendJson(res, 200, { [entity]: realm.view(realm.read(entity, second)), time: qboTime(now, true) });
    }
    if (entity && method === 'POST' && rest.length === 1) {
      let parsedBody: unknown;
      try {
        parsedBody = JSON.parse(body);
      } catch (error) {
        throw validationFault(now, '2010', 'Request has invalid or unsupported property', 'The request body is not valid JSON', null, error);
      }
      const operation = params.get('operation');
      if (operation === 'delete') {
        const stored = realm.delete(entity, parsedBody);
        return sendJson(res, 200, { [entity]: realm.view(stored), time: qboTime(now, true) });
      }
      if (operation !== null && operation !== 'update') {
        throw validationFault(now, '500', 'Unsupported Operation', `Operation ${operation} is not supported by the simulator`);
      }
      const isUpdate = parsedBody !== null && typeof parsedBody === 'object' && 'Id' in parsedBody;
      const stored = isUpdate ? realm.update(entity, parsedBody) : realm.create(entity, parsedBody);
      return sendJson(res, 200, { [entity]: realm.view(stored), time: qboTime(now, true) });
    }
    return sendJson(res, 404, {
      Fault: { Error: [{ Message: 'Unsupported Operation', Detail: `${method} ${rest.join('/')} is not supported`, code: '500' }], type: 'ValidationFault' },
      time: qboTime(now, true),
    });
  }

  function queryFault(now: number, error: QueryError): QboFault {
    return validationFault(now, error.code, error.code === '4000' ? 'Error parsing query' : 'Invalid query', error.detail);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ route: string; realmId: string | null; status: number }> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = await readBody(req);
    if (body === null) return { route: `${method} (too large)`, realmId: null, status: sendJson(res, 413, { error: 'request body too large' }) };
    const contentType = req.headers['content-type'] ?? '';

    const oauthRoute =
      url.pathname === '/connect/oauth2' && method === 'GET'
        ? 'GET /connect/oauth2'
        : url.pathname === '/oauth2/v1/tokens/bearer' && method === 'POST'
          ? 'POST /oauth2/v1/tokens/bearer'
          : url.pathname === '/oauth2/v1/tokens/revoke' && method === 'POST'
            ? 'POST /oauth2/v1/tokens/revoke'
            : null;
    if (oauthRoute !== null) {
      const failure = takeFailure(oauthRoute, false);
      if (failure !== undefined) return { route: oauthRoute, realmId: null, status: injectedFailure(res, failure) };
      const answer =
        oauthRoute === 'GET /connect/oauth2'
          ? oauth.authorize(url.searchParams)
          : oauthRoute === 'POST /oauth2/v1/tokens/bearer'
            ? oauth.token(req.headers.authorization, contentType, body)
            : oauth.revoke(req.headers.authorization, contentType, body);
      return { route: oauthRoute, realmId: null, status: send(res, answer) };
    }
    const match = /^\/v3\/company\/([^/]+)\/(.+?)\/?$/.exec(url.pathname);
    if (!match) return { route: `${method} (unknown)`, realmId: null, status: sendJson(res, 404, { error: 'not found' }) };
    const realmId = decodeURIComponent(match[1]!);
    const rest = match[2]!.split('/').map(decodeURIComponent);
    const route = `${method} /${rest[0]?.toLowerCase() ?? ''}${rest.length > 1 ? '/:id' : ''}`;

    const failure = takeFailure(route, true);
    if (failure !== undefined) return { route, realmId, status: injectedFailure(res, failure) };

    const denied = oauth.check(req.headers.authorization, realmId);
    if (denied) return { route, realmId, status: sendFault(res, denied) };
    const realm = companies.get(realmId);
    if (!realm) return { route, realmId, status: sendFault(res, authorizationFailed(clock(), `No company ${realmId}`)) };

    const admission = limiter.admit(realmId);
    if (!admission.ok) {
      stats.rateLimited++;
      return { route, realmId, status: sendFault(res, throttled(clock(), retryAfterHeader ? admission.retryAfterSeconds : null)) };
    }
    stats.maxConcurrentSeen = Math.max(stats.maxConcurrentSeen, limiter.maxConcurrentSeen);
    try {
      if (latencyMs > 0) await sleep(latencyMs);
      while (gate) await gate;
      try {
        return { route, realmId, status: api(res, method, realm, rest, url.searchParams, body) };
      } catch (error) {
        if (error instanceof QboFault) return { route, realmId, status: sendFault(res, error) };
        throw error;
      }
    } finally {
      admission.release();
    }
  }

  const server = http.createServer((req, res) => {
    stats.requests++;
    const at = clock();
    handle(req, res)
      .then(({ route, realmId, status }) => {
        stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
        stats.requestLog.push({ method: req.method ?? 'GET', route, path: req.url ?? '/', realmId, status, at });
      })
      .catch(() => {
        if (!res.headersSent) sendFault(res, systemFault(clock()));
        else res.destroy();
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const entityOf = (name: EntityName): EntityName => {
    const entity = entityByName(name);
    if (!entity) throw new Error(`Unknown entity ${name}; one of ${ENTITY_NAMES.join(', ')}`);
    return entity;
  };
  const asError = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof QboFault) throw new Error(`QuickBooks simulator refused: ${JSON.stringify(error.body)}`, { cause: error });
      throw error;
    }
  };

  return {
    url,
    authorizeUrl: `${url}/connect/oauth2`,
    tokenUrl: `${url}/oauth2/v1/tokens/bearer`,
    revokeUrl: `${url}/oauth2/v1/tokens/revoke`,
    apiBaseUrl: `${url}/v3/company`,
    realmId: defaultRealm,
    addClient: (client) => oauth.addClient(client),
    createCompany,
    setAuthorizationRealm: (realmId) => {
      company(realmId);
      oauth.authorizationRealm = realmId;
    },
    denyAuthorizations: (count = 1) => oauth.denyAuthorizations(count),
    seed: (realmId, entity, objects) => {
      const realm = company(realmId);
      return asError(() => objects.map((o) => realm.view(realm.create(entityOf(entity), o, { notify: false }))));
    },
    change: (realmId, entity, id, fields) => {
      const realm = company(realmId);
      return asError(() => realm.view(realm.userChange(entityOf(entity), id, fields)));
    },
    remove: (realmId, entity, id) => {
      const realm = company(realmId);
      return asError(() => realm.view(realm.userRemove(entityOf(entity), id)));
    },
    get: (realmId, entity, id) => {
      const realm = company(realmId);
      const stored = realm.get(entityOf(entity), id);
      return stored && stored.deletedAt === null ? realm.view(stored) : null;
    },
    list: (realmId, entity) => {
      const realm = company(realmId);
      return [...realm.table(entityOf(entity)).values()].filter((s) => s.deletedAt === null).map((s) => realm.view(s));
    },
    revokeRefreshTokens: (realmId) => oauth.revokeAll(realmId),
    failNext: (count, failure, only) => {
      for (let i = 0; i < count; i++) failures.push({ failure, route: only?.route ?? null });
    },
    setLimits: ({ requestsPerMinute, maxConcurrent }) => {
      if (requestsPerMinute !== undefined) limiter.requestsPerMinute = requestsPerMinute;
      if (maxConcurrent !== undefined) limiter.maxConcurrent = maxConcurrent;
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    pause: () => {
      let open!: () => void;
      const paused = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = paused;
      openGate = open;
      return () => {
        if (gate === paused) gate = null;
        open();
      };
    },
    inFlight: (realmId) => limiter.running(realmId),
    setWebhook: (webhook) => {
      notifier.config = webhook;
    },
    webhookDeliveries: () => [...notifier.deliveries],
    waitForWebhooks: () => notifier.idle(),
    advanceTime: (ms) => {
      offset += ms;
    },
    now: clock,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = { requests: 0, byRoute: {}, rateLimited: 0, maxConcurrentSeen: 0, requestLog: [] };
      limiter.maxConcurrentSeen = 0;
    },
    close: async () => {
      gate = null;
      openGate?.();
      notifier.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
