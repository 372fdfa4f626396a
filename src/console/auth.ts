/*
 * Sign-in for the console: OAuth 2.0 authorization code with PKCE (S256) against this server's
 * /oauth, as a public client (RFC 9700 and the OAuth browser-based-apps BCP). Tokens live in this
 * module's memory only, never in localStorage, sessionStorage or a cookie: a reload signs in again,
 * which the server's sign-in session (and the grant already on record) make a pair of redirects
 * without any page. The PKCE verifier and state must survive the trip to /oauth and back, so they
 * sit in sessionStorage for that trip only and are removed the moment the browser returns.
 */

export interface ConsoleSettings {
  clientId: string;
  scopes: string;
  redirectUri: string;
  oauth: string;
  graphql: string;
}

interface Tokens {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch ms after which the access token is refreshed before use. */
  refreshAt: number;
}

interface PendingSignIn {
  state: string;
  verifier: string;
  /** The console route (URL hash) to come back to. */
  returnTo: string;
}

const PENDING_KEY = 'trestle-console-sign-in';

export class SignInError extends Error {}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function challengeOf(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

export class Auth {
  private tokens: Tokens | null = null;
  private refreshing: Promise<string> | null = null;

  constructor(private readonly settings: ConsoleSettings) {}

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  /** Sends the browser to /oauth/authorize; `fresh` asks for the sign-in page even with a session. */
  async signIn(fresh = false): Promise<void> {
    const pending: PendingSignIn = { state: randomString(), verifier: randomString(48), returnTo: location.hash || '#/imports' };
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    const url = new URL(`${this.settings.oauth}/authorize`, location.origin);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.settings.clientId,
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      state: pending.state,
      code_challenge: await challengeOf(pending.verifier),
      code_challenge_method: 'S256',
      ...(fresh ? { prompt: 'login' } : {}),
    }).toString();
    location.assign(url.href);
  }

  /**
   * On the callback page: redeems the code, then puts the console's own URL back. Returns false
   * when this page load is not a callback.
   */
  async completeSignIn(): Promise<boolean> {
    const params = new URLSearchParams(location.search);
    if (!location.pathname.endsWith('/callback')) return false;
    const raw = sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
    const pending = raw ? (JSON.parse(raw) as PendingSignIn) : null;
    const returnTo = pending?.returnTo ?? '#/imports';
    history.replaceState(null, '', `${new URL('.', location.href).pathname}${returnTo}`);
    const error = params.get('error');
    if (error) throw new SignInError(params.get('error_description') ?? error);
    const code = params.get('code');
    if (!pending || !code || params.get('state') !== pending.state) throw new SignInError('The sign-in answer does not belong to this page. Sign in again.');
    await this.tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: this.settings.redirectUri, code_verifier: pending.verifier });
    return true;
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    if (!this.tokens) throw new SignInError('Not signed in');
    if (Date.now() < this.tokens.refreshAt) return this.tokens.accessToken;
    return this.refresh();
  }

  /** Refreshes now (one request at a time); after a failure the person must sign in again. */
  refresh(): Promise<string> {
    this.refreshing ??= (async () => {
      try {
        const refreshToken = this.tokens?.refreshToken;
        if (!refreshToken) throw new SignInError('The session ended. Sign in again.');
        await this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
        return this.tokens!.accessToken;
      } catch (error) {
        this.tokens = null;
        throw error;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** Revokes the refresh token (the access token expires on its own) and forgets both. */
  async signOut(): Promise<void> {
    const refreshToken = this.tokens?.refreshToken;
    this.tokens = null;
    if (!refreshToken) return;
    await fetch(`${this.settings.oauth}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: this.settings.clientId, token: refreshToken, token_type_hint: 'refresh_token' }),
    }).catch(() => undefined);
  }

  private async tokenRequest(form: Record<string, string>): Promise<void> {
    const response = await fetch(`${this.settings.oauth}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...form, client_id: this.settings.clientId }),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; expires_in?: number; error_description?: string };
    if (!response.ok || !body.access_token) throw new SignInError(body.error_description ?? `Sign-in failed (HTTP ${response.status})`);
    const lifetimeMs = (body.expires_in ?? 300) * 1000;
    this.tokens = {
      accessToken: body.access_token,
      refreshToken: body.refresh_token ?? this.tokens?.refreshToken ?? null,
      // Refresh at four fifths of the lifetime, so a request never carries a token about to lapse.
      refreshAt: Date.now() + lifetimeMs * 0.8,
    };
  }
}
