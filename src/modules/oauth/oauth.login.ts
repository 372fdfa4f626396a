import type { Request, Response, Router } from 'express';
import { constantTimeEqual, sha256Hex } from '../../platform/crypto/tokens.js';
import { safeReturnPath } from '../../platform/http/return-path.js';
import { activeMembership, findUserByEmail, organizationsOf } from './oauth.accounts.js';
import type { Found, InteractionKit } from './oauth.interaction-kit.js';
import { renderErrorPage, renderLoginPage, renderOrganizationPage } from './oauth.pages.js';
import { verifyPassword } from './oauth.passwords.js';

/*
 * The sign-in step: a browser session (local or SSO) stands in for a password; otherwise e-mail
 * and password, or the hand-off to the organization's SSO; a member of several organizations
 * chooses the one to act for. Attempts are throttled per e-mail and per address, in MySQL.
 */

const GENERIC_LOGIN_ERROR = 'The e-mail address or password is not correct.';
/** How long the organization choice stays open after the password was checked. */
const TICKET_TTL_S = 600;

/** GET of the interaction at the login step: finish with the browser session, or show the form. */
export async function showLogin(kit: InteractionKit, found: Found, req: Request, res: Response): Promise<void> {
  const { details } = found;
  // A browser already signed in (password or SSO) continues without a password. When the app
  // asked for a fresh sign-in (prompt=login, max_age) only a session made during this
  // interaction counts: the one an SSO login just set before sending the browser back here
  // (times are whole seconds, so one from the very second the interaction began does not).
  const fresh = details.prompt.reasons.some((r) => r === 'login_prompt' || r === 'max_age');
  const session = await kit.deps.sessions.current(req);
  const usable = session && (!fresh || session.issuedAt > details.iat);
  if (session && usable && (await activeMembership(kit.deps.db, session))) {
    return kit.finishLogin(found, req, res, { userId: session.userId, organizationId: session.organizationId });
  }
  kit.html(res, 200, renderLoginPage({ action: `/oauth/interaction/${details.uid}/login`, csrf: kit.csrfFor(details.uid), clientName: await kit.clientName(found) }));
}

export function loginRoutes(router: Router, kit: InteractionKit): void {
  const { deps } = kit;

  router.post('/:uid/login', kit.form, async (req, res, next) => {
    try {
      const found = await kit.interaction(req, res, 'login', true);
      if (!found) return;
      const uid = found.details.uid;
      const email = kit.field(req, 'email').trim().toLowerCase().slice(0, 320);
      const password = kit.field(req, 'password');
      const clientName = await kit.clientName(found);
      const again = (status: number, error: string) =>
        kit.html(res, status, renderLoginPage({ action: `/oauth/interaction/${uid}/login`, csrf: kit.csrfFor(uid), clientName, email, error }));
      if (!email) return again(400, 'Enter your e-mail address.');

      if (deps.findSsoLogin) {
        // A path, not an absolute URL: after SSO the browser comes back here and the authorization continues.
        const ssoUrl = await deps.findSsoLogin(email, `/oauth/interaction/${uid}`);
        const target = ssoUrl === null ? null : safeReturnPath(ssoUrl);
        if (target) return res.redirect(303, target);
      }
      if (!password) return again(400, GENERIC_LOGIN_ERROR);

      // Counted in MySQL, so every process agrees: per account, and per client address.
      const windowSeconds = deps.throttle.windowSeconds;
      const byAccount = await deps.limiter.hit(`login:account:${sha256Hex(email)}`, [{ name: 'account', limit: deps.throttle.perAccount, windowSeconds }]);
      const byAddress = await deps.limiter.hit(`login:ip:${req.ip ?? 'unknown'}`, [{ name: 'address', limit: deps.throttle.perAddress, windowSeconds }]);
      if (!byAccount.allowed || !byAddress.allowed) {
        const wait = Math.max(byAccount.retryAfterSeconds, byAddress.retryAfterSeconds);
        res.setHeader('Retry-After', String(wait));
        return again(429, `Too many sign-in attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`);
      }

      const user = await findUserByEmail(deps.db, email);
      // Without an account (or a password) the hash is still computed: the answer takes as long.
      const valid = await verifyPassword(password, user?.isActive ? user.passwordHash : null);
      if (!user || !valid) {
        deps.logger.info({ uid }, 'local sign-in refused');
        return again(401, GENERIC_LOGIN_ERROR);
      }
      const organizations = await organizationsOf(deps.db, user.id);
      if (organizations.length === 0) return again(401, GENERIC_LOGIN_ERROR);
      if (organizations.length > 1) {
        const expires = Math.floor(Date.now() / 1000) + TICKET_TTL_S;
        const ticket = `${user.id}.${expires}.${kit.mac(`ticket:${uid}:${user.id}:${expires}`)}`;
        return kit.html(res, 200, renderOrganizationPage({ action: `/oauth/interaction/${uid}/organization`, csrf: kit.csrfFor(uid), ticket, organizations }));
      }
      const account = { userId: user.id, organizationId: organizations[0]!.id };
      deps.sessions.issue(res, { ...account, method: 'password' });
      await kit.finishLogin(found, req, res, account);
    } catch (error) {
      next(error);
    }
  });

  router.post('/:uid/organization', kit.form, async (req, res, next) => {
    try {
      const found = await kit.interaction(req, res, 'login', true);
      if (!found) return;
      const uid = found.details.uid;
      const [userId, expires, signature] = kit.field(req, 'ticket').split('.');
      const valid =
        userId !== undefined &&
        expires !== undefined &&
        signature !== undefined &&
        constantTimeEqual(signature, kit.mac(`ticket:${uid}:${userId}:${expires}`)) &&
        Number(expires) > Date.now() / 1000;
      const account = { userId: Number(userId), organizationId: Number(kit.field(req, 'organization')) };
      if (!valid || !Number.isSafeInteger(account.organizationId) || !(await activeMembership(deps.db, account))) {
        return kit.html(res, 403, renderErrorPage('access_denied', 'Sign in again.'));
      }
      deps.sessions.issue(res, { ...account, method: 'password' });
      await kit.finishLogin(found, req, res, account);
    } catch (error) {
      next(error);
    }
  });
}
