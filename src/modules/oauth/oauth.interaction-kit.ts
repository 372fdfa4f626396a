import { createHmac } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import { constantTimeEqual } from '../../platform/crypto/tokens.js';
import type { Db } from '../../platform/db/mysql.js';
import type { BrowserSessions } from '../../platform/http/browser-session.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { WindowLimiter } from '../../platform/rate-limit/window-limiter.js';
import { toAccountId, type Account } from './oauth.accounts.js';
import { renderErrorPage } from './oauth.pages.js';

/*
 * What the interaction steps (sign-in, consent) share: their dependencies, the form token that
 * guards every post, and the lookup of this browser's interaction.
 */

/**
 * The path on this server that starts SSO for the address's domain (and comes back to `returnTo`,
 * a path too), or null when the domain signs in locally.
 */
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

/** The pages' policy. No form-action: Chromium applies it to the redirect back to the app. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

export interface Found {
  provider: Provider;
  details: Interaction;
}

export interface InteractionKit {
  deps: InteractionDeps;
  /** Parses a small urlencoded form body (the pages' posts). */
  form: RequestHandler;
  /** HMAC-SHA256 with the form key, base64url. */
  mac(value: string): string;
  /** The form token of an interaction. */
  csrfFor(uid: string): string;
  /** A string field of the posted form ('' when absent). */
  field(req: Request, name: string): string;
  html(res: Response, status: number, body: string): void;
  /**
   * This browser's interaction, when it is the one in the path and at the expected step; answers
   * the request itself (400) and resolves null otherwise. With `post`, checks the form token too (403).
   */
  interaction(req: Request, res: Response, step: 'login' | 'consent' | 'any', post: boolean): Promise<Found | null>;
  finishLogin(found: Found, req: Request, res: Response, account: Account): Promise<void>;
  clientName(found: Found): Promise<string>;
}

export function interactionKit(deps: InteractionDeps): InteractionKit {
  const mac = (value: string) => createHmac('sha256', deps.formKey).update(value).digest('base64url');
  const html = (res: Response, status: number, body: string) => {
    res
      .status(status)
      .type('html')
      .set({
        'Cache-Control': 'no-store',
        // No script, no framing (clickjacking of the consent button), nothing loaded from elsewhere.
        'Content-Security-Policy': PAGE_CSP,
        'X-Frame-Options': 'DENY',
      })
      .send(body);
  };
  const field = (req: Request, name: string): string => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : '';
  };
  const csrfFor = (uid: string) => mac(`form:${uid}`);
  return {
    deps,
    form: express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }),
    mac,
    csrfFor,
    field,
    html,
    async interaction(req, res, step, post) {
      const provider = await deps.provider();
      let details: Interaction;
      try {
        details = await provider.interactionDetails(req, res);
      } catch {
        html(res, 400, renderErrorPage('invalid_request', 'This sign-in request has expired or was started in another browser. Go back to the application and start again.'));
        return null;
      }
      if (details.uid !== req.params['uid'] || (step !== 'any' && details.prompt.name !== step)) {
        html(res, 400, renderErrorPage('invalid_request', 'Unknown sign-in request.'));
        return null;
      }
      if (post && !constantTimeEqual(field(req, 'csrf'), csrfFor(details.uid))) {
        html(res, 403, renderErrorPage('invalid_request', 'The form has expired; go back to the application and start again.'));
        return null;
      }
      return { provider, details };
    },
    async finishLogin({ provider }, req, res, account) {
      await provider.interactionFinished(req, res, { login: { accountId: toAccountId(account) } }, { mergeWithLastSubmission: false });
    },
    async clientName({ provider, details }) {
      const clientId = details.params['client_id'];
      const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
      return client?.clientName ?? 'An application';
    },
  };
}
