import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { eq } from 'drizzle-orm';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/mysql.js';
import { cookieValue, type BrowserSessions } from '../../platform/http/browser-session.js';
import { DEFAULT_RETURN_PATH, safeReturnPath } from '../../platform/http/return-path.js';
import type { Logger } from '../../platform/logging/logger.js';
import { activeMembership, organizations, users } from '../organizations/index.js';
import { SsoLoginError } from './sso.errors.js';
import { finishOidcLogin, OIDC_STATE_TTL_MS, startOidcLogin } from './sso.oidc.js';
import { accountPage, errorPage } from './sso.pages.js';
import { provisionUser } from './sso.provisioning.js';
import { consumeSamlResponse, MAX_SAML_RESPONSE_BYTES, samlLoginUrl, samlSpMetadata } from './sso.saml.js';
import { findSsoConnection, type SsoConnection } from './sso.service.js';
import { ssoUrls, type PublicUrl } from './sso.urls.js';

/*
 * The browser side of SSO: /sso/<id>/login starts a sign-in, the IdP answers at the SAML ACS or
 * the OIDC callback, the person gets a signed browser session and lands on `returnTo` (a path on
 * this server; /account by default). /account shows who is signed in.
 */

export interface SsoRouterDeps {
  db: Db;
  secrets: SecretBox;
  sessions: BrowserSessions;
  publicUrl: PublicUrl;
  /**
   * Send a login request that reached another host than the public URL's there first. Only when
   * the public URL is the default (localhost): behind a proxy that rewrites Host it would loop.
   */
  redirectToPublicHost: boolean;
  /** Accept http:// OIDC issuers (local development and tests only). */
  allowHttp: boolean;
  /** Ends the person's other sessions on this server at sign-out (the authorization server's). */
  onSignOut?: (userId: number) => Promise<unknown>;
  logger: Logger;
}

const STATE_COOKIE = 'trestle_sso_state';
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  // Not no-referrer (the server's default): with it a browser sends `Origin: null` on our own
  // sign-out form, and the sign-out check could not tell it from another site's.
  'referrer-policy': 'same-origin',
};

export function ssoRouter(deps: SsoRouterDeps): Router {
  const router = Router();
  const oidcDeps = { db: deps.db, secrets: deps.secrets, allowHttp: deps.allowHttp };
  const secure = () => deps.publicUrl().startsWith('https:');

  async function connectionOf(req: Request, protocol?: 'saml' | 'oidc'): Promise<SsoConnection> {
    const raw = req.params['connectionId'];
    const id = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
    const connection = id > 0 ? await findSsoConnection(deps.db, id) : null;
    if (!connection || (protocol && connection.protocol !== protocol)) throw new SsoLoginError('UNKNOWN_CONNECTION', 'There is no such sign-in method');
    return connection;
  }

  /** Issues the session and sends the browser to `requested` when it is a path here, else /account. */
  function signIn(res: Response, who: { userId: number; organizationId: number }, method: 'saml' | 'oidc', requested: unknown) {
    deps.sessions.issue(res, { ...who, method });
    res.redirect(303, safeReturnPath(requested) ?? DEFAULT_RETURN_PATH);
  }

  router.get('/sso/:connectionId/login', async (req, res) => {
    const base = new URL(deps.publicUrl());
    // Cookies and the IdP's answer go to the public URL: start there, whatever host the browser used.
    if (deps.redirectToPublicHost && req.get('host') !== base.host) {
      res.redirect(302, `${base.origin}${req.originalUrl}`);
      return;
    }
    const returnTo = req.query['returnTo'] === undefined ? DEFAULT_RETURN_PATH : safeReturnPath(req.query['returnTo']);
    if (!returnTo) throw new SsoLoginError('BAD_REQUEST', 'returnTo must be a path on this server');
    const connection = await connectionOf(req);
    if (!connection.isEnabled) throw new SsoLoginError('CONNECTION_DISABLED', 'This sign-in method is disabled');
    const urls = ssoUrls(deps.publicUrl(), connection.id);
    if (connection.protocol === 'saml') {
      res.redirect(302, await samlLoginUrl(deps.db, connection, urls, returnTo));
      return;
    }
    const { url, state } = await startOidcLogin(oidcDeps, connection, urls, returnTo);
    res.append(
      'set-cookie',
      `${STATE_COOKIE}=${state}; Path=/sso/oidc/${connection.id}/callback; HttpOnly; SameSite=Lax; Max-Age=${OIDC_STATE_TTL_MS / 1000}${secure() ? '; Secure' : ''}`,
    );
    res.redirect(302, url);
  });

  router.get('/sso/saml/:connectionId/metadata', async (req, res) => {
    const connection = await connectionOf(req, 'saml');
    res.setHeader('content-type', 'application/samlmetadata+xml; charset=utf-8');
    res.send(samlSpMetadata(ssoUrls(deps.publicUrl(), connection.id)));
  });

  router.post(
    '/sso/saml/:connectionId/acs',
    express.urlencoded({ extended: false, limit: Math.ceil((MAX_SAML_RESPONSE_BYTES * 4) / 3) + 8192, parameterLimit: 10 }),
    async (req, res) => {
      const connection = await connectionOf(req, 'saml');
      if (!connection.isEnabled) throw new SsoLoginError('CONNECTION_DISABLED', 'This sign-in method is disabled');
      const body = (req.body ?? {}) as Record<string, unknown>;
      const { person } = await consumeSamlResponse(deps.db, connection, ssoUrls(deps.publicUrl(), connection.id), body['SAMLResponse']);
      const who = await provisionUser(deps.db, connection, person);
      signIn(res, who, 'saml', body['RelayState']);
    },
  );

  router.get('/sso/oidc/:connectionId/callback', async (req, res) => {
    const connection = await connectionOf(req, 'oidc');
    if (!connection.isEnabled) throw new SsoLoginError('CONNECTION_DISABLED', 'This sign-in method is disabled');
    res.append('set-cookie', `${STATE_COOKIE}=; Path=/sso/oidc/${connection.id}/callback; HttpOnly; SameSite=Lax; Max-Age=0${secure() ? '; Secure' : ''}`);
    const { person, returnTo } = await finishOidcLogin(
      oidcDeps,
      connection,
      ssoUrls(deps.publicUrl(), connection.id),
      req.query,
      cookieValue(req.headers.cookie, STATE_COOKIE),
    );
    const who = await provisionUser(deps.db, connection, person);
    signIn(res, who, 'oidc', returnTo);
  });

  router.get('/account', async (req, res) => {
    const session = await deps.sessions.current(req);
    let view = null;
    // The same check as every sign-in: an active membership of an active user (SCIM may deactivate either).
    const membership = session ? await activeMembership(deps.db, session.userId, session.organizationId) : null;
    if (session && membership) {
      const [row] = await deps.db
        .select({ name: users.name, email: users.email, organization: organizations.name })
        .from(users)
        .innerJoin(organizations, eq(organizations.id, membership.organizationId))
        .where(eq(users.id, membership.userId));
      if (row) view = { name: row.name, email: row.email, organization: row.organization, role: membership.role, method: session.method };
    }
    res.status(view ? 200 : 401).set(HTML_HEADERS).send(accountPage(view));
  });

  router.post('/account/sign-out', async (req, res) => {
    // A form of another site may not sign the browser out (Origin is sent with every POST form).
    const origin = req.get('origin');
    if (origin && origin !== new URL(deps.publicUrl()).origin && origin !== `${req.protocol}://${req.get('host')}`) {
      throw new SsoLoginError('BAD_REQUEST', 'Sign out from this site');
    }
    // Server-side: every session of the person ends (this cookie and its copies, other browsers,
    // the authorization server's session and sign-ins in progress), not only this browser's cookie.
    const session = deps.sessions.read(req);
    if (session) {
      await deps.sessions.revokeAll(session.userId);
      await deps.onSignOut?.(session.userId);
    }
    deps.sessions.clear(res);
    res.redirect(303, '/account');
  });

  // One place turns failures into a page: the status and a sentence, never a stack or a library's words.
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith('/sso/') && !req.path.startsWith('/account')) {
      next(error);
      return;
    }
    let status = 500;
    let message = 'Something went wrong; it was logged';
    const typed = error as { type?: string; status?: number };
    if (error instanceof SsoLoginError) {
      status = error.status;
      message = error.message;
      deps.logger.warn({ reason: error.reason, detail: error.detail, path: req.path, requestId: res.locals['requestId'] }, 'SSO sign-in refused');
    } else if (typed.type === 'entity.too.large') {
      status = 413;
      message = 'The request is too large';
    } else if (typed.status && typed.status >= 400 && typed.status < 500) {
      status = typed.status;
      message = 'The request could not be read';
    } else {
      deps.logger.error({ err: error, path: req.path, requestId: res.locals['requestId'] }, 'SSO route failed');
    }
    if (res.headersSent) return;
    res.status(status).set(HTML_HEADERS).send(errorPage(status, message));
  });

  return router;
}
