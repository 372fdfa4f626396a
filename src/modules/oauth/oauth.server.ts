import { Router } from 'express';
import type { errors, KoaContextWithOIDC, default as Provider } from 'oidc-provider';
import type { SecretBox } from '../../platform/crypto/secret-box.js';
import type { Db } from '../../platform/db/mysql.js';
import type { BrowserSessions } from '../../platform/http/browser-session.js';
import { DEFAULT_PAGE_CSP } from '../../platform/http/security-headers.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { WindowLimiter } from '../../platform/rate-limit/window-limiter.js';
import { interactionsRouter, type FindSsoLogin, type LoginThrottle } from './oauth.interactions.js';
import { createProvider, type OAuthTtls } from './oauth.provider.js';
import { loadSigningKeys, signingKeyIds } from './oauth.signing-keys.js';

export interface OAuthServerOptions {
  db: Db;
  secrets: SecretBox;
  sessions: BrowserSessions;
  /** Counts sign-in attempts (a limiter with leases of 1: every attempt is counted in MySQL). */
  loginLimiter: WindowLimiter;
  throttle: LoginThrottle;
  ttls: OAuthTtls;
  /**
   * The server's public base URL (no trailing slash). Read on the first OAuth request, so it may
   * depend on the port the server ended up listening on.
   */
  publicUrl: () => string;
  findSsoLogin?: FindSsoLogin | undefined;
  /** How often a process checks for a signing-key rotation made elsewhere (default 60 s). */
  keyCheckIntervalMs?: number;
  logger: Logger;
}

interface Built {
  provider: Promise<Provider>;
  kids: string;
  checkedAt: number;
}

/**
 * The authorization server: oidc-provider mounted at /oauth (issuer `${publicUrl}/oauth`), the
 * login and consent pages, and the discovery documents at the server root. The provider is
 * built on the first request, when the public URL is known, and rebuilt when the signing keys
 * change (a rotation by any process); all its state is in MySQL, so a rebuild loses nothing.
 */
export class OAuthServer {
  private built: Built | undefined;
  private readonly handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();

  constructor(private readonly options: OAuthServerOptions) {}

  get issuer(): string {
    return `${this.options.publicUrl()}/oauth`;
  }

  get resource(): string {
    return `${this.options.publicUrl()}/graphql`;
  }

  async provider(): Promise<Provider> {
    const interval = this.options.keyCheckIntervalMs ?? 60_000;
    if (!this.built) {
      this.built = this.build();
    } else if (Date.now() - this.built.checkedAt > interval) {
      const current = this.built;
      current.checkedAt = Date.now();
      const kids = (await signingKeyIds(this.options.db)).join(',');
      if (kids !== current.kids && this.built === current) this.built = this.build();
    }
    return this.built.provider;
  }

  private build(): Built {
    const { db, secrets } = this.options;
    const built: Built = { kids: '', checkedAt: Date.now(), provider: Promise.resolve(undefined as unknown as Provider) };
    built.provider = (async () => {
      const keys = await loadSigningKeys(db, secrets);
      built.kids = keys.map((k) => k.kid).join(',');
      const provider = createProvider({
        issuer: this.issuer,
        resource: this.resource,
        db,
        keys,
        cookieKeys: [secrets.deriveKey('oauth-cookies').toString('base64url')],
        secureCookies: this.issuer.startsWith('https:'),
        ttls: this.options.ttls,
      });
      const { logger } = this.options;
      // Refusals are the client's business (logged briefly); server errors are ours.
      const refused = (event: string) => (_ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) =>
        logger.info({ event, error: error.error, detail: error.error_detail }, 'OAuth request refused');
      provider.on('grant.error', refused('grant.error'));
      provider.on('authorization.error', refused('authorization.error'));
      provider.on('introspection.error', refused('introspection.error'));
      provider.on('revocation.error', refused('revocation.error'));
      provider.on('server_error', (_ctx, error) => logger.error({ err: error }, 'OAuth server error'));
      return provider;
    })();
    // A failed build (database down) is retried on the next request.
    built.provider.catch((error: unknown) => {
      this.options.logger.error({ err: error }, 'could not start the OAuth provider');
      if (this.built === built) this.built = undefined;
    });
    return built;
  }

  /** The provider's request handler (Koa's callback, made once per provider). */
  private async handler(): Promise<ReturnType<Provider['callback']>> {
    const provider = await this.provider();
    let handler = this.handlers.get(provider);
    if (!handler) {
      handler = provider.callback();
      this.handlers.set(provider, handler);
    }
    return handler;
  }

  /** Routes for the server root: /oauth/… and the two discovery documents. Mount before any body parser. */
  router(): Router {
    const router = Router();
    router.use(
      '/oauth/interaction',
      interactionsRouter({
        db: this.options.db,
        provider: () => this.provider(),
        publicUrl: this.options.publicUrl,
        sessions: this.options.sessions,
        limiter: this.options.loginLimiter,
        throttle: this.options.throttle,
        formKey: this.options.secrets.deriveKey('oauth-forms'),
        findSsoLogin: this.options.findSsoLogin,
        logger: this.options.logger,
      }),
    );
    router.use('/oauth', async (req, res, next) => {
      try {
        // Set before the provider renders: its form_post page adds its script's hash to script-src.
        res.setHeader('Content-Security-Policy', DEFAULT_PAGE_CSP);
        const handle = await this.handler();
        void handle(req, res);
      } catch (error) {
        next(error);
      }
    });
    // RFC 8414 / OIDC discovery at the root: the provider answers them as if asked under /oauth.
    router.get(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'], async (req, res, next) => {
      try {
        const handle = await this.handler();
        req.url = '/.well-known/openid-configuration';
        req.originalUrl = '/oauth/.well-known/openid-configuration';
        void handle(req, res);
      } catch (error) {
        next(error);
      }
    });
    return router;
  }
}
