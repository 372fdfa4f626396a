import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { GraphQLError, parse, validate, specifiedRules, getOperationAST, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { WebSocketServer } from 'ws';
import graphqlUploadExpress from 'graphql-upload/graphqlUploadExpress.mjs';
import { useServer } from 'graphql-ws/use/ws';
import { AppError, AuthenticationError, type ErrorCode } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import { unavailableFrom } from '../db/errors.js';
import type { GraphQLContext, Services } from '../graphql/context.js';
import { createErrorFormatter, httpStatusFor, toGraphQLError } from '../graphql/errors.js';
import { assertComplexity, assertQuerySize, depthAndAliasRules, usesIntrospection, type QueryLimits } from '../graphql/query-guard.js';
import { bearerOf, corsMiddleware, isSameOrigin, type CorsPolicy } from './cors.js';
import { graphiqlRouter } from './graphiql.js';
import { pageSecurityHeaders } from './security-headers.js';
import type { RequestGate } from './request-gate.js';

export interface HttpServerOptions {
  schema: GraphQLSchema;
  services: Services;
  gate: RequestGate;
  limits: QueryLimits;
  bodyLimitBytes: number;
  /** Largest GraphQL response, in bytes: a larger one is replaced by a QUERY_TOO_COMPLEX error. */
  maxResponseBytes: number;
  /** Answer introspection (`__schema`, `__type`) without a credential. */
  publicIntrospection: boolean;
  graphiqlAssetsDir: string;
  /** The REST shim (uploads, downloads), mounted at /api/v1. */
  restRouter?: express.Router;
  /** Providers' callbacks, mounted at /hooks (each route reads its own raw body). */
  hooksRouter?: express.Router;
  /** Pages and redirects a browser follows (SSO sign-in, /account), mounted at the root; each route parses its own body. */
  browserRouter?: express.Router;
  /** SCIM 2.0 for identity providers, mounted at /scim/v2 (its own token, parser and error bodies). */
  scimRouter?: express.Router;
  /**
   * The OAuth authorization server (/oauth/… and the root /.well-known discovery documents),
   * mounted at the root before anything that parses a body: oidc-provider reads the raw request.
   */
  oauthRouter?: express.Router;
  /** The REST shim's OpenAPI document and its UI, mounted at the root. */
  docsRouter?: express.Router;
  /** Largest file a GraphQL multipart request may carry. */
  maxUploadBytes: number;
  /** Cross-origin access of browser apps to /graphql (HTTP and WebSocket) and REST; without it, none. */
  cors?: CorsPolicy;
  /** Probes for /readyz: each resolves when its dependency answers. */
  readiness: Record<string, () => Promise<void>>;
  logger: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A trestle (a beam on two splayed legs), 16 x 16, in the page's ink colour. */
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M1 4h14v2H1zM3 6h2l-2 9H1zM11 6h2l2 9h-2z" fill="#1f4e79"/></svg>`;

function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/**
 * An error answered outside GraphQL execution, in the shape of where it happened: the REST shim
 * and provider callbacks use `{ error: { code, message } }` (bad requests are BAD_USER_INPUT, as
 * their handlers say), everything else the GraphQL shape.
 */
function jsonError(url: string, status: number, code: string, message: string) {
  if (url.startsWith('/api/') || url.startsWith('/hooks/')) {
    return { status, body: { error: { code: code === 'BAD_REQUEST' ? 'BAD_USER_INPUT' : code, message } } };
  }
  return { status, body: { errors: [{ message, extensions: { code } }] } };
}

/**
 * Whole-request failures get the HTTP status of their code: when a response has errors and
 * no data (nothing ran, or the root field failed), a 401, 403, 404 or 429 tells HTTP-level
 * tooling what happened. Partial results stay 200, as GraphQL over HTTP expects.
 */
const statusFromErrors: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const { errors, data } = response.body.singleResult;
        if (!errors?.length || (data !== undefined && data !== null)) return;
        if (response.http.status && response.http.status !== 200) return;
        const code = errors[0]?.extensions?.['code'];
        const known: ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED', 'BAD_USER_INPUT', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'SERVICE_UNAVAILABLE'];
        if (typeof code === 'string' && (known as string[]).includes(code)) {
          response.http.status = httpStatusFor(code as ErrorCode);
          const retryAfter = errors[0]?.extensions?.['retryAfter'];
          if (typeof retryAfter === 'number') response.http.headers.set('retry-after', String(retryAfter));
        }
      },
    };
  },
};

/**
 * Builds the HTTP server: health probes, GraphiQL, GraphQL over HTTP and graphql-ws on the
 * same path. The returned server is not listening yet.
 */
export async function createHttpServer(options: HttpServerOptions) {
  const { schema, services, gate, limits, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const httpServer = http.createServer(app);

  const validationRules = depthAndAliasRules(limits);
  const formatError = createErrorFormatter(logger);

  /** Throws UNAUTHENTICATED when an anonymous caller reads the schema and that is not public. */
  const assertMayIntrospect = (document: DocumentNode, operation: OperationDefinitionNode, principal: unknown) => {
    if (options.publicIntrospection || principal || !usesIntrospection(document, operation)) return;
    throw new AuthenticationError('MISSING', 'Introspection requires an API key or access token: send it as "Authorization: Bearer <key>"');
  };

  const complexityGuard: ApolloServerPlugin<GraphQLContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (!operation) return;
          try {
            assertMayIntrospect(document, operation, contextValue.principal);
          } catch (error) {
            throw error instanceof AppError ? toGraphQLError(error) : error;
          }
          try {
            assertComplexity(schema, document, operation, request.variables ?? {}, limits.maxComplexity);
          } catch (error) {
            if (error instanceof GraphQLError) {
              throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
            }
            throw error;
          }
        },
      };
    },
  };

  /** The Origin of a WebSocket opened by a page of another origin (admitted by verifyClient below). */
  const crossOrigins = new WeakMap<http.IncomingMessage, string>();
  // Upgrades are handed over here rather than by attaching ws to the HTTP server: attached, ws
  // re-emits the HTTP server's own errors (EADDRINUSE from listen()) and graphql-ws prints each as
  // an "internal error" with a stack, although listen() reports them plainly.
  const wsServer = new WebSocketServer({
    noServer: true,
    maxPayload: options.bodyLimitBytes,
    // Browsers send Origin with every WebSocket: a page of another origin connects only when an
    // OAuth client registered that origin, and then authenticates with that client's token (onConnect).
    verifyClient: (info, done) => {
      const { cors } = options;
      const origin = info.req.headers.origin;
      if (!origin || (cors && isSameOrigin(origin, info.req, cors.ownOrigin()))) return done(true);
      if (!cors) return done(false, 403, 'Cross-origin WebSocket refused');
      cors.isWebOrigin(origin).then(
        (allowed) => {
          if (allowed) crossOrigins.set(info.req, origin);
          done(allowed, 403, 'Cross-origin WebSocket refused');
        },
        () => done(false, 503),
      );
    },
  });
  httpServer.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/graphql') {
      socket.destroy();
      return;
    }
    wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit('connection', ws, req));
  });
  const wsCleanup = useServer<Record<string, unknown>, { gate?: Awaited<ReturnType<RequestGate>>; requestId?: string }>(
    {
      schema,
      // The credential comes in connection_init (GraphiQL sends its headers there). A bad one
      // closes the socket (4403); none at all connects anonymously, and each guarded operation
      // then answers UNAUTHENTICATED, which tells a person what to do.
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const lower = Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v]));
        const requestId = randomUUID();
        const crossOrigin = crossOrigins.get(ctx.extra.request);
        if (crossOrigin !== undefined) {
          // Another origin's page: only a token of a client of that origin, never an API key.
          const token = lower['x-api-key'] ? null : bearerOf(headerValue(lower['authorization']));
          if (!token || !(await options.cors!.originsOfToken(token)).includes(crossOrigin)) return false;
        }
        try {
          const result = await gate(
            { authorization: headerValue(lower['authorization']), apiKey: headerValue(lower['x-api-key']) },
            ctx.extra.request.socket.remoteAddress ?? 'unknown',
          );
          Object.assign(ctx.extra, { gate: result, requestId });
          return true;
        } catch (error) {
          if (error instanceof AppError) return false;
          throw error;
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        let document;
        try {
          assertQuerySize(payload.query, limits.maxQueryBytes);
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (error) {
          if (error instanceof AppError) return [toGraphQLError(error)];
          return [error instanceof GraphQLError ? error : new GraphQLError('Could not parse the query')];
        }
        const errors = validate(schema, document, [...specifiedRules, ...validationRules]);
        if (errors.length) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('Unknown operation')];
        try {
          assertMayIntrospect(document, operation, ctx.extra.gate?.principal);
          assertComplexity(schema, document, operation, payload.variables ?? {}, limits.maxComplexity);
        } catch (error) {
          if (error instanceof AppError) return [toGraphQLError(error)];
          return [error instanceof GraphQLError ? error : new GraphQLError('Query rejected')];
        }
        return {
          schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
        };
      },
      context: (ctx): GraphQLContext => ({
        requestId: ctx.extra.requestId ?? randomUUID(),
        principal: ctx.extra.gate?.principal ?? null,
        rateLimit: ctx.extra.gate?.rateLimit ?? null,
        logger: logger.child({ requestId: ctx.extra.requestId }),
        services,
      }),
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
      onNext: (_ctx, _id, _payload, _args, result) => {
        // Measured as graphql-ws will send it; results are bounded by the cost limit, this is the backstop.
        const bytes = Buffer.byteLength(JSON.stringify(result));
        if (bytes > options.maxResponseBytes) return { data: null, errors: [responseTooLarge(bytes, options.maxResponseBytes).toJSON()] };
        if (!result.errors?.length) return;
        return {
          data: result.data ?? null,
          errors: result.errors.map((e) => formatError(e.toJSON(), e)),
        };
      },
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    validationRules,
    formatError,
    includeStacktraceInErrorResponses: false,
    // Introspection is answered, to a caller with a credential unless publicIntrospection
    // (assertMayIntrospect above), and costs what it returns (query-guard.ts).
    introspection: true,
    parseOptions: { maxTokens: limits.maxTokens },
    csrfPrevention: true,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      complexityGuard,
      statusFromErrors,
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.use(pageSecurityHeaders());

  // One access-log line per request, with its id; never headers or bodies (they carry keys).
  app.use((req, res, next) => {
    const id = requestIdOf(req.headers['x-request-id']);
    const started = process.hrtime.bigint();
    res.locals['requestId'] = id;
    res.setHeader('X-Request-Id', id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.on('finish', () => {
      logger.info(
        {
          requestId: id,
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          principal: res.locals['principal'] as string | undefined,
          ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        },
        'request',
      );
    });
    next();
  });

  // A browser asks every site for /favicon.ico; answered so its console shows no 404.
  app.get('/favicon.ico', (_req, res) => {
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(FAVICON_SVG);
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    let ready = true;
    await Promise.all(
      Object.entries(options.readiness).map(async ([name, probe]) => {
        try {
          await probe();
          checks[name] = 'ok';
        } catch {
          ready = false;
          checks[name] = 'unreachable';
        }
      }),
    );
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  if (options.oauthRouter) app.use(options.oauthRouter);
  if (options.cors) app.use(['/graphql', '/api/v1'], corsMiddleware(options.cors));

  app.use(graphiqlRouter({ assetsDir: options.graphiqlAssetsDir, endpoint: '/graphql' }));

  if (options.docsRouter) app.use(options.docsRouter);
  if (options.restRouter) app.use('/api/v1', options.restRouter);
  if (options.hooksRouter) app.use('/hooks', options.hooksRouter);
  if (options.browserRouter) app.use(options.browserRouter);
  if (options.scimRouter) app.use('/scim/v2', options.scimRouter);

  app.use(
    '/graphql',
    // Multipart requests (file uploads) only; Apollo's CSRF check still wants the
    // Apollo-Require-Preflight header on them, so a browser form cannot upload on a user's behalf.
    // One byte of slack: the file store's own limit trips first and refuses the file whole,
    // where graphql-upload would truncate it.
    graphqlUploadExpress({ maxFileSize: options.maxUploadBytes + 1, maxFiles: 1 }),
    express.json({ limit: options.bodyLimitBytes }),
    (req, res, next) => {
      // A document over the size limit is refused before it is parsed; POST body or GET ?query=.
      const body = req.body as { query?: unknown } | undefined;
      try {
        assertQuerySize(body?.query, limits.maxQueryBytes);
        assertQuerySize(req.query['query'], limits.maxQueryBytes);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const reply = jsonError(req.originalUrl, httpStatusFor(error.code), error.code, error.message);
        res.status(reply.status).json(reply.body);
        return;
      }
      // The response, once serialised, must fit maxResponseBytes; the cost limit keeps results well
      // under it, this is the backstop that keeps one answer from filling the process's memory.
      const send = res.send.bind(res);
      res.send = (payload: unknown) => {
        if (typeof payload === 'string' && payload.length > options.maxResponseBytes / 3) {
          const bytes = Buffer.byteLength(payload);
          if (bytes > options.maxResponseBytes) {
            logger.warn({ requestId: res.locals['requestId'], bytes }, 'GraphQL response over the size limit refused');
            res.status(400);
            return send(JSON.stringify({ errors: [responseTooLarge(bytes, options.maxResponseBytes).toJSON()] }));
          }
        }
        return send(payload);
      };
      next();
    },
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<GraphQLContext> => {
        const requestId = String(res.locals['requestId']);
        try {
          const result = await gate(
            { authorization: req.headers.authorization, apiKey: headerValue(req.headers['x-api-key']) },
            clientAddress(req),
          );
          for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
          res.locals['principal'] = result.principal?.label;
          return {
            requestId,
            principal: result.principal,
            rateLimit: result.rateLimit,
            logger: logger.child({ requestId }),
            services,
          };
        } catch (caught) {
          // A database that cannot be reached while authenticating or counting: 503, not 500.
          const error = caught instanceof AppError ? caught : (unavailableFrom(caught) ?? caught);
          if (error instanceof AppError) {
            const extra = (error as AppError & { headers?: Record<string, string> }).headers;
            for (const [name, value] of Object.entries(extra ?? {})) res.setHeader(name, value);
            throw toGraphQLError(error);
          }
          throw error;
        }
      },
    }),
  );

  app.use((req, res) => {
    const { status, body } = jsonError(req.originalUrl, 404, 'NOT_FOUND', 'No such route');
    res.status(status).json(body);
  });

  // Body-parser and other pre-GraphQL failures: a clear status and message, never a stack.
  const onError: ErrorRequestHandler = (error: { type?: string; status?: number; expose?: boolean; message?: string }, req, res, _next) => {
    const requestId = String(res.locals['requestId'] ?? '');
    let reply = jsonError(req.originalUrl, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    const unavailable = unavailableFrom(error);
    if (unavailable) {
      reply = jsonError(req.originalUrl, 503, unavailable.code, unavailable.message);
      if (!res.headersSent) res.setHeader('Retry-After', String(unavailable.context['retryAfter']));
    } else if (error.type === 'entity.too.large') {
      reply = jsonError(req.originalUrl, 413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${options.bodyLimitBytes} bytes`);
    } else if (error.type === 'entity.parse.failed') {
      reply = jsonError(req.originalUrl, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
    } else if (error.expose && error.status && error.status >= 400 && error.status < 500) {
      reply = jsonError(req.originalUrl, error.status, 'BAD_REQUEST', error.message ?? 'Bad request');
    } else {
      logger.error({ err: error, requestId, path: req.path }, 'unhandled HTTP error');
    }
    if (res.headersSent) return;
    res.status(reply.status).json(reply.body);
  };
  app.use(onError);

  return { app, httpServer, apollo, stop: () => apollo.stop() };
}

function responseTooLarge(bytes: number, maxResponseBytes: number): GraphQLError {
  return new GraphQLError(`The response would be ${bytes} bytes; the limit is ${maxResponseBytes}: ask for fewer fields or smaller pages`, {
    extensions: { code: 'QUERY_TOO_COMPLEX', bytes, maxResponseBytes },
  });
}

function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
