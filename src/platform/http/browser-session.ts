import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { eq, sql } from 'drizzle-orm';
import { constantTimeEqual } from '../crypto/tokens.js';
import type { Db } from '../db/mysql.js';
import { browserSessionRevocations } from './browser-session-revocations.table.js';

/**
 * The person signed in to a browser: set by a login (local password, SAML or OIDC SSO) and read
 * by pages that act for a person (the OAuth consent page). The cookie holds the session itself,
 * HMAC-SHA256-signed and expiring, so any server process can read it; sign-out is recorded in
 * MySQL (browser_session_revocations), and `current` refuses every session of that person issued
 * before it, so a replayed cookie opens nothing.
 *
 * Format: base64url(JSON) + '.' + base64url(HMAC(key, base64url(JSON))).
 */
export interface BrowserSession {
  userId: number;
  organizationId: number;
  method: 'password' | 'saml' | 'oidc';
  /** Seconds since the epoch. */
  issuedAt: number;
  /** The same instant in milliseconds (compared with a sign-out). */
  issuedAtMs: number;
  expiresAt: number;
}

export interface BrowserSessionOptions {
  /** Lifetime of a session in seconds (default 8 hours). */
  ttlSeconds?: number;
  /** Send the cookie over HTTPS only; true whenever the public URL is https. */
  secure: boolean;
  cookieName?: string;
  /** Where sign-outs are recorded; without it (unit tests) `current` is `read`. */
  db?: Db;
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
    const session: BrowserSession = { ...who, issuedAt, issuedAtMs: now, expiresAt: issuedAt + this.ttlSeconds };
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

  /** The browser's session as `read` finds it, unless its person signed out after it was issued. */
  async current(req: IncomingMessage, now = Date.now()): Promise<BrowserSession | null> {
    const session = this.read(req, now);
    if (!session || !this.options.db) return session;
    const [row] = await this.options.db
      .select({ revokedBefore: browserSessionRevocations.revokedBefore })
      .from(browserSessionRevocations)
      .where(eq(browserSessionRevocations.userId, session.userId));
    // Cookies from before issuedAtMs existed count as issued at their whole second.
    const issuedAtMs = Number.isSafeInteger(session.issuedAtMs) ? session.issuedAtMs : session.issuedAt * 1000;
    return row && issuedAtMs <= row.revokedBefore ? null : session;
  }

  /** Ends every session of `userId` on the server (any browser, any copy of the cookie). */
  async revokeAll(userId: number, now = Date.now()): Promise<void> {
    if (!this.options.db) throw new Error('BrowserSessions.revokeAll needs a database');
    await this.options.db
      .insert(browserSessionRevocations)
      .values({ userId, revokedBefore: now })
      .onDuplicateKeyUpdate({ set: { revokedBefore: sql`GREATEST(${browserSessionRevocations.revokedBefore}, VALUES(${browserSessionRevocations.revokedBefore}))` } });
  }

  /** Clears the cookie in this browser (pair it with `revokeAll` to sign out). */
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
