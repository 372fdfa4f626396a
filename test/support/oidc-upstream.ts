import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * An upstream OpenID Connect provider for the SSO tests: a real oidc-provider 9 instance on a
 * free port, with test accounts and a plain login page of our own (its interaction routes), and
 * consent granted for the requested scopes once the person signed in. oidc-provider ships no
 * type declarations, so the little used here is typed below.
 */

export interface TestAccount {
  email: string;
  emailVerified: boolean;
  name: string;
}

interface Interaction {
  uid: string;
  params: Record<string, unknown>;
  prompt: { name: string };
}

interface ProviderInstance {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<Interaction>;
  interactionFinished(req: http.IncomingMessage, res: http.ServerResponse, result: Record<string, unknown>, options?: Record<string, unknown>): Promise<void>;
}

type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

export interface OidcUpstream {
  issuer: string;
  accounts: Map<string, TestAccount>;
  /** Registers our client once its redirect URI is known (the connection's id is in it). */
  register(client: { clientId: string; clientSecret: string; redirectUri: string }): Promise<void>;
  close(): Promise<void>;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startOidcUpstream(): Promise<OidcUpstream> {
  // A variable specifier: the package is untyped, and this keeps TypeScript from looking for types.
  const specifier = 'oidc-provider';
  const { default: Provider } = (await import(specifier)) as { default: ProviderClass };
  const accounts = new Map<string, TestAccount>();
  let handler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | null = null;
  let provider: ProviderInstance | null = null;

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://upstream.invalid');
      const interaction = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
      if (interaction && provider) {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.setHeader('content-type', 'text/html');
          res.end(
            `<!doctype html><title>Upstream sign-in</title><form method="post" action="/interaction/${escape(details.uid)}/login"><label>Account <input name="login" id="upstream-login"></label><button id="upstream-sign-in">Sign in</button></form>`,
          );
          return;
        }
        let body = '';
        for await (const chunk of req) body += String(chunk);
        const login = new URLSearchParams(body).get('login') ?? '';
        if (!accounts.has(login)) {
          res.statusCode = 403;
          res.end('unknown account');
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
        return;
      }
      if (handler) {
        handler(req, res);
        return;
      }
      res.statusCode = 503;
      res.end('not ready');
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    accounts,
    async register(client) {
      provider = new Provider(issuer, {
        clients: [
          {
            client_id: client.clientId,
            client_secret: client.clientSecret,
            redirect_uris: [client.redirectUri],
            response_types: ['code'],
            grant_types: ['authorization_code'],
          },
        ],
        cookies: { keys: ['upstream-test-cookie-key'] },
        jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'upstream-test', use: 'sig', alg: 'RS256' }] },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
        features: { devInteractions: { enabled: false } },
        pkce: { required: () => true },
        interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
        findAccount: (_ctx: unknown, id: string) => {
          const account = accounts.get(id);
          if (!account) return undefined;
          return {
            accountId: id,
            claims: () => ({ sub: id, email: account.email, email_verified: account.emailVerified, name: account.name }),
          };
        },
        // Consent: whatever the client asks for, once the person signed in (a test IdP).
        loadExistingGrant: async (ctx: { oidc: { session: { accountId?: string }; client: { clientId: string }; params: { scope?: string }; provider: { Grant: new (o: Record<string, unknown>) => { addOIDCScope(s: string): void; save(): Promise<string> } } } }) => {
          const accountId = ctx.oidc.session.accountId;
          if (!accountId) return undefined;
          const grant = new ctx.oidc.provider.Grant({ accountId, clientId: ctx.oidc.client.clientId });
          grant.addOIDCScope(ctx.oidc.params.scope ?? 'openid');
          await grant.save();
          return grant;
        },
      });
      handler = provider.callback();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A cookie jar per host for driving redirects by hand. */
export class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  store(url: string, res: Response): void {
    const host = new URL(url).host;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (!value || /max-age=0/i.test(cookie) || /expires=Thu, 01 Jan 1970/i.test(cookie)) jar.delete(name);
      else jar.set(name, value);
    }
    this.jars.set(host, jar);
  }

  header(url: string): string {
    return [...(this.jars.get(new URL(url).host) ?? new Map<string, string>()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  set(url: string, name: string, value: string): void {
    const host = new URL(url).host;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    jar.set(name, value);
    this.jars.set(host, jar);
  }

  get(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).host)?.get(name);
  }
}
