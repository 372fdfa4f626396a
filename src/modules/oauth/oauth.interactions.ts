import { createHmac } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import type Provider from 'oidc-provider';
import { SCOPES, isScope } from '../../platform/auth/scopes.js';
import { constantTimeEqual, sha256Hex } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/mysql.js';
import type { BrowserSessions } from '../../platform/http/browser-session.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { WindowLimiter } from '../../platform/rate-limit/window-limiter.js';
import { activeMembership, findUserByEmail, organizationsOf, parseAccountId, scopesForRole, toAccountId, type Account } from './oauth.accounts.js';
import { renderConsentPage, renderErrorPage, renderLoginPage, renderOrganizationPage } from './oauth.pages.js';
import { verifyPassword } from './oauth.passwords.js';

/*
 * The login and consent pages of the authorization flow, at /oauth/interaction/:uid. Every form
 * post needs oidc-provider's interaction cookie (SameSite=Lax, bound to the uid) and a form
 * token derived from the uid, so another site cannot post on a person's behalf.
 */

/** Returns an SSO start URL for the address's domain, or null when the domain signs in locally. */
export type FindSsoLogin = (email: string, returnTo: string) => Promise<string | null>;

export interface LoginThrottle {
  /** Attempts per account (e-mail) per window. */
  perAccount: number;
  /** Attempts per client address per window. */
  perAddress: number;
  windowSeconds: number;
}

export interface InteractionDeps {
  db: Db;
  provider: () => Promise<Provider>;
  publicUrl: () => string;
  sessions: BrowserSessions;
  limiter: WindowLimiter;
  throttle: LoginThrottle;
  formKey: Buffer;
  findSsoLogin?: FindSsoLogin | undefined;
  logger: Logger;
}

const GENERIC_LOGIN_ERROR = 'The e-mail address or password is not correct.';
const TICKET_TTL_S = 600;

function html(res: Response, status: number, body: string): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store').send(body);
}

export function interactionsRouter(deps: InteractionDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  const mac = (value: string) => createHmac('sha256', deps.formKey).update(value).digest('base64url');
  const csrfFor = (uid: string) => mac(`form:${uid}`);
  const field = (req: Request, name: string): string => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : '';
  };

  /** The interaction of this browser, checked against the uid in the path; null when there is none. */
  async function interactionOf(req: Request, res: Response) {
    const provider = await deps.provider();
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.uid !== req.params['uid']) return null;
      return { provider, details };
    } catch {
      html(res, 400, renderErrorPage('invalid_request', 'This sign-in request has expired or was started in another browser. Go back to the application and start again.'));
      return undefined;
    }
  }

  function csrfOk(req: Request, res: Response, uid: string): boolean {
    if (constantTimeEqual(field(req, 'csrf'), csrfFor(uid))) return true;
    html(res, 403, renderErrorPage('invalid_request', 'The form has expired; go back to the application and start again.'));
    return false;
  }

  async function finishLogin(provider: Provider, req: Request, res: Response, account: Account): Promise<void> {
    await provider.interactionFinished(req, res, { login: { accountId: toAccountId(account) } }, { mergeWithLastSubmission: false });
  }

  async function clientName(provider: Provider, clientId: unknown): Promise<string> {
    const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
    return client?.clientName ?? 'An application';
  }

  router.get('/:uid', async (req, res, next) => {
    try {
      const found = await interactionOf(req, res);
      if (found === undefined) return;
      if (found === null) return html(res, 400, renderErrorPage('invalid_request', 'Unknown sign-in request.'));
      const { provider, details } = found;
      const uid = details.uid;
      if (details.prompt.name === 'login') {
        // A browser already signed in (password or SSO) continues without a password. When the
        // app asked for a fresh sign-in (prompt=login, max_age) only a session made during this
        // interaction counts: the one an SSO login just set before sending the browser back here
        // (times are whole seconds, so one from the very second the interaction began does not).
        const fresh = details.prompt.reasons.some((r) => r === 'login_prompt' || r === 'max_age');
        const session = deps.sessions.read(req);
        const usable = session && (!fresh || session.issuedAt > details.iat);
        if (session && usable && (await activeMembership(deps.db, session))) {
          return await finishLogin(provider, req, res, { userId: session.userId, organizationId: session.organizationId });
        }
        return html(res, 200, renderLoginPage({ action: `/oauth/interaction/${uid}/login`, csrf: csrfFor(uid), clientName: await clientName(provider, details.params['client_id']) }));
      }
      if (details.prompt.name === 'consent') {
        const account = parseAccountId(details.session?.accountId);
        const membership = account ? await activeMembership(deps.db, account) : null;
        if (!account || !membership) {
          return await provider.interactionFinished(req, res, { error: 'login_required', error_description: 'The signed-in user is no longer a member of the organization' }, { mergeWithLastSubmission: false });
        }
        const { granted, withheld } = requestedScopes(details.prompt.details, membership.role);
        return html(
          res,
          200,
          renderConsentPage({
            action: `/oauth/interaction/${uid}/confirm`,
            csrf: csrfFor(uid),
            clientName: await clientName(provider, details.params['client_id']),
            organizationName: membership.organizationName,
            scopes: granted.map((name) => ({ name, description: describe(name) })),
            withheld: withheld.map((name) => ({ name, description: describe(name) })),
          }),
        );
      }
      return html(res, 400, renderErrorPage('invalid_request', `Unsupported step ${details.prompt.name}`));
    } catch (error) {
      next(error);
    }
  });

  router.post('/:uid/login', form, async (req, res, next) => {
    try {
      const found = await interactionOf(req, res);
      if (found === undefined) return;
      if (found === null || found.details.prompt.name !== 'login') return html(res, 400, renderErrorPage('invalid_request', 'Unknown sign-in request.'));
      const { provider, details } = found;
      const uid = details.uid;
      if (!csrfOk(req, res, uid)) return;
      const email = field(req, 'email').trim().toLowerCase().slice(0, 320);
      const password = field(req, 'password');
      const name = await clientName(provider, details.params['client_id']);
      const again = (status: number, error: string) =>
        html(res, status, renderLoginPage({ action: `/oauth/interaction/${uid}/login`, csrf: csrfFor(uid), clientName: name, email, error }));
      if (!email) return again(400, 'Enter your e-mail address.');

      if (deps.findSsoLogin) {
        const ssoUrl = await deps.findSsoLogin(email, `${deps.publicUrl()}/oauth/interaction/${uid}`);
        if (ssoUrl) return res.redirect(303, ssoUrl);
      }
      if (!password) return again(400, GENERIC_LOGIN_ERROR);

      // Counted in MySQL, so every process agrees: per account, and per client address.
      const window = deps.throttle.windowSeconds;
      const byAccount = await deps.limiter.hit(`login:account:${sha256Hex(email)}`, [{ name: 'account', limit: deps.throttle.perAccount, windowSeconds: window }]);
      const byAddress = await deps.limiter.hit(`login:ip:${req.ip ?? 'unknown'}`, [{ name: 'address', limit: deps.throttle.perAddress, windowSeconds: window }]);
      if (!byAccount.allowed || !byAddress.allowed) {
        const wait = Math.max(byAccount.retryAfterSeconds, byAddress.retryAfterSeconds);
        res.setHeader('Retry-After', String(wait));
        return again(429, `Too many sign-in attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`);
      }

      const user = await findUserByEmail(deps.db, email);
      const valid = await verifyPassword(password, user?.isActive ? user.passwordHash : null);
      if (!user || !valid) {
        deps.logger.info({ uid }, 'local sign-in refused');
        return again(401, GENERIC_LOGIN_ERROR);
      }
      const orgs = await organizationsOf(deps.db, user.id);
      if (orgs.length === 0) return again(401, GENERIC_LOGIN_ERROR);
      if (orgs.length > 1) {
        const expires = Math.floor(Date.now() / 1000) + TICKET_TTL_S;
        const ticket = `${user.id}.${expires}.${mac(`ticket:${uid}:${user.id}:${expires}`)}`;
        return html(res, 200, renderOrganizationPage({ action: `/oauth/interaction/${uid}/organization`, csrf: csrfFor(uid), ticket, organizations: orgs }));
      }
      const account = { userId: user.id, organizationId: orgs[0]!.id };
      deps.sessions.issue(res, { ...account, method: 'password' });
      await finishLogin(provider, req, res, account);
    } catch (error) {
      next(error);
    }
  });

  router.post('/:uid/organization', form, async (req, res, next) => {
    try {
      const found = await interactionOf(req, res);
      if (found === undefined) return;
      if (found === null || found.details.prompt.name !== 'login') return html(res, 400, renderErrorPage('invalid_request', 'Unknown sign-in request.'));
      const { provider, details } = found;
      if (!csrfOk(req, res, details.uid)) return;
      const [userId, expires, signature] = field(req, 'ticket').split('.');
      const valid =
        userId !== undefined && expires !== undefined && signature !== undefined &&
        constantTimeEqual(signature, mac(`ticket:${details.uid}:${userId}:${expires}`)) &&
        Number(expires) > Date.now() / 1000;
      const account = { userId: Number(userId), organizationId: Number(field(req, 'organization')) };
      if (!valid || !Number.isSafeInteger(account.organizationId) || !(await activeMembership(deps.db, account))) {
        return html(res, 403, renderErrorPage('access_denied', 'Sign in again.'));
      }
      deps.sessions.issue(res, { ...account, method: 'password' });
      await finishLogin(provider, req, res, account);
    } catch (error) {
      next(error);
    }
  });

  router.post('/:uid/confirm', form, async (req, res, next) => {
    try {
      const found = await interactionOf(req, res);
      if (found === undefined) return;
      if (found === null || found.details.prompt.name !== 'consent') return html(res, 400, renderErrorPage('invalid_request', 'Unknown sign-in request.'));
      const { provider, details } = found;
      if (!csrfOk(req, res, details.uid)) return;
      if (field(req, 'decision') !== 'approve') {
        return await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user denied the request' }, { mergeWithLastSubmission: false });
      }
      const accountId = details.session?.accountId;
      const account = parseAccountId(accountId);
      const membership = account ? await activeMembership(deps.db, account) : null;
      const clientId = details.params['client_id'];
      if (!account || !membership || typeof clientId !== 'string') {
        return await provider.interactionFinished(req, res, { error: 'login_required', error_description: 'Sign in again' }, { mergeWithLastSubmission: false });
      }
      const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId: accountId!, clientId });
      const prompt = details.prompt.details as PromptDetails;
      if (prompt.missingOIDCScope?.length) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
      if (prompt.missingOIDCClaims?.length) grant.addOIDCClaims(prompt.missingOIDCClaims);
      const allowed = new Set<string>(scopesForRole(membership.role));
      for (const [indicator, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) {
        const granted = scopes.filter((s) => allowed.has(s));
        const withheld = scopes.filter((s) => !allowed.has(s));
        if (granted.length) grant.addResourceScope(indicator, granted.join(' '));
        // Rejected, not merely left out: otherwise the consent prompt would come back for them.
        if (withheld.length) grant.rejectResourceScope(indicator, withheld.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (error) {
      next(error);
    }
  });

  return router;
}

interface PromptDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

function requestedScopes(details: unknown, role: Parameters<typeof scopesForRole>[0]): { granted: string[]; withheld: string[] } {
  const prompt = details as PromptDetails;
  const requested = [...new Set(Object.values(prompt.missingResourceScopes ?? {}).flat())];
  const allowed = new Set<string>(scopesForRole(role));
  const extra = (prompt.missingOIDCScope ?? []).filter((s) => s === 'offline_access');
  return { granted: [...requested.filter((s) => allowed.has(s)), ...extra], withheld: requested.filter((s) => !allowed.has(s)) };
}

function describe(scope: string): string {
  if (isScope(scope)) return SCOPES[scope];
  if (scope === 'offline_access') return 'Keep access when you are not using the app (refresh tokens)';
  return scope;
}
