import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/*
 * The same security headers on every HTML page the server sends, whoever renders it (our pages,
 * GraphiQL, the Swagger UI, oidc-provider's form_post and error pages): set at the moment the
 * response's headers are written, when its Content-Type is known.
 */

/**
 * The policy of a page that sets none: nothing loaded from anywhere, no script (oidc-provider
 * adds the hash of its form_post script to script-src), no framing, no <base>. No form-action:
 * Chromium applies it to the redirect that follows a form post (back to a partner app).
 */
export const DEFAULT_PAGE_CSP = "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** Adds what an HTML response lacks: CSP (at least frame-ancestors 'none'), X-Frame-Options, nosniff, a referrer policy. */
export function applyPageHeaders(res: ServerResponse): void {
  const type = String(res.getHeader('content-type') ?? '');
  if (!/^\s*text\/html/i.test(type)) return;
  const csp = res.getHeader('content-security-policy');
  if (csp === undefined) res.setHeader('Content-Security-Policy', DEFAULT_PAGE_CSP);
  else if (!/frame-ancestors/i.test(String(csp))) res.setHeader('Content-Security-Policy', `${String(csp)}; frame-ancestors 'none'`);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (res.getHeader('referrer-policy') === undefined) res.setHeader('Referrer-Policy', 'no-referrer');
}

/** Middleware: every HTML response of the app gets `applyPageHeaders` as its headers are written. */
export function pageSecurityHeaders(): RequestHandler {
  return (_req, res, next) => {
    const writeHead = res.writeHead.bind(res);
    // Node calls writeHead (explicitly, or through end()/write()) once, before any byte is sent:
    // the only moment every other handler, Koa's included, has set its Content-Type.
    res.writeHead = ((...args: Parameters<typeof writeHead>) => {
      applyPageHeaders(res);
      return writeHead(...args);
    }) as typeof writeHead;
    next();
  };
}
