import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constantTimeEqual } from '../crypto/tokens.js';

/**
 * The person signed in to a browser: set by a login (local password, SAML or OIDC SSO) and read
 * by pages that act for a person (the OAuth consent page). The cookie holds the session itself,
 * HMAC-SHA256-signed and expiring, so any server process can read it without a shared store.
 *
 * Format: base64url(JSON) + '.' + base64url(HMAC(key, base64url(JSON))).
 */
export interface BrowserSession {
  userId: number;
  organizationId: number;
  method: 'password' | 'saml' | 'oidc';
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

export interface BrowserSessionOptions {
  /** Lifetime of a session in seconds (default 8 hours). */
  ttlSeconds?: number;
  /** Send the cookie over HTTPS only; true whenever the public URL is https. */
  secure: boolean;
  cookieName?: string;
}

export class BrowserSessions {
  readonly cookieName: string;
  private readonly ttlSeconds: number;

  constructor(
    private readonly key: Buffer,
    private readonly options: BrowserSessionOptions,
  ) {
    this.cookieName = options.cookieName ?? 'trestle_session';
    this.ttlSeconds = options.ttlSeconds ?? 8 * 3600;
  }

  /** Signs `who` in on this browser, replacing any earlier session. */
  issue(res: ServerResponse, who: Pick<BrowserSession, 'userId' | 'organizationId' | 'method'>, now = Date.now()): BrowserSession {
    const issuedAt = Math.floor(now / 1000);
    const session: BrowserSession = { ...who, issuedAt, expiresAt: issuedAt + this.ttlSeconds };
    const body = Buffer.from(JSON.stringify(session)).toString('base64url');
    this.setCookie(res, `${body}.${this.sign(body)}`, this.ttlSeconds);
    return session;
  }

  /** The browser's session, or null when it has none, or a forged, malformed or expired one. */
  read(req: IncomingMessage, now = Date.now()): BrowserSession | null {
    const value = cookieValue(req.headers.cookie, this.cookieName);
    if (!value) return null;
    const dot = value.indexOf('.');
    if (dot < 1) return null;
    const body = value.slice(0, dot);
    if (!constantTimeEqual(value.slice(dot + 1), this.sign(body))) return null;
    try {
      const session = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as BrowserSession;
      if (!Number.isSafeInteger(session.userId) || !Number.isSafeInteger(session.organizationId)) return null;
      return session.expiresAt > now / 1000 ? session : null;
    } catch {
      return null;
    }
  }

  /** Signs the browser out. */
  clear(res: ServerResponse): void {
    this.setCookie(res, '', 0);
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  private setCookie(res: ServerResponse, value: string, maxAge: number): void {
    const cookie = `${this.cookieName}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${this.options.secure ? '; Secure' : ''}`;
    const existing = res.getHeader('set-cookie');
    const others = (Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)]).filter(
      (c) => !c.startsWith(`${this.cookieName}=`),
    );
    res.setHeader('set-cookie', [...others, cookie]);
  }
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
