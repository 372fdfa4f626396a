import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';

/*
 * Cross-origin requests of browser apps (CORS) on /graphql and the REST routes. Only a request
 * carrying an OAuth access token of a client that lists the request's Origin among its web
 * origins gets an Access-Control-Allow-Origin; API keys never do (a key in a browser is a leaked
 * key), nor do requests without a credential. Preflights are answered for origins some client
 * registered, and never allow the X-API-Key header. No cookies: credentials are bearer tokens.
 */

export interface CorsPolicy {
  /** The server's public origin (same-origin requests need no CORS). */
  ownOrigin: () => string;
  /** Whether some OAuth client lists `origin` among its web origins. */
  isWebOrigin(origin: string): Promise<boolean>;
  /** The web origins of the client whose OAuth access token `token` is ([] for anything else). */
  originsOfToken(token: string): Promise<string[]>;
}

/** Request headers a browser app may send cross-origin (no X-API-Key). */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id'];
const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const EXPOSED_HEADERS = 'Retry-After, X-Request-Id, RateLimit, RateLimit-Policy, Content-Disposition';
const PREFLIGHT_MAX_AGE_S = 600;

/** Whether `origin` is the request's own (the public URL's, or the Host the browser connected to). */
export function isSameOrigin(origin: string, req: IncomingMessage, ownOrigin: string): boolean {
  if (origin === ownOrigin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The bearer token of an Authorization header, or null (API keys in X-API-Key are not bearer tokens here). */
export function bearerOf(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}

export function corsMiddleware(policy: CorsPolicy): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (!origin || isSameOrigin(origin, req, policy.ownOrigin())) {
      next();
      return;
    }
    res.vary('Origin');
    void (async () => {
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
        const asked = String(req.headers['access-control-request-headers'] ?? '')
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean);
        if (asked.every((h) => ALLOWED_HEADERS.includes(h)) && (await policy.isWebOrigin(origin))) {
          res.set({
            'Access-Control-Allow-Origin': origin,
            'Access-Control-Allow-Methods': ALLOWED_METHODS,
            'Access-Control-Allow-Headers': ALLOWED_HEADERS.join(', '),
            'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
          });
        }
        res.status(204).end();
        return;
      }
      const token = req.headers['x-api-key'] ? null : bearerOf(req.headers.authorization);
      if (token && (await policy.originsOfToken(token)).includes(origin)) {
        res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': EXPOSED_HEADERS });
      }
      next();
    })().catch(next);
  };
}
