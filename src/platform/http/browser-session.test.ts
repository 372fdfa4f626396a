import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { BrowserSessions, cookieValue } from './browser-session.js';

function response() {
  const headers = new Map<string, unknown>();
  return {
    res: { getHeader: (n: string) => headers.get(n), setHeader: (n: string, v: unknown) => void headers.set(n, v) } as unknown as ServerResponse,
    cookie: () => String((headers.get('set-cookie') as string[])[0]).split(';')[0] ?? '',
  };
}
const request = (cookie: string) => ({ headers: { cookie } }) as IncomingMessage;

describe('BrowserSessions', () => {
  const sessions = new BrowserSessions(Buffer.alloc(32, 7), { secure: false, ttlSeconds: 60 });

  it('reads back the session it issued', () => {
    const { res, cookie } = response();
    sessions.issue(res, { userId: 5, organizationId: 9, method: 'saml' }, 1_000_000);
    expect(sessions.read(request(`other=1; ${cookie()}`), 1_000_000)).toMatchObject({ userId: 5, organizationId: 9, method: 'saml' });
  });

  it('refuses an expired session, a tampered one and one signed with another key', () => {
    const { res, cookie } = response();
    sessions.issue(res, { userId: 5, organizationId: 9, method: 'password' }, 1_000_000);
    expect(sessions.read(request(cookie()), 1_000_000 + 61_000)).toBeNull();
    const [name, value] = cookie().split('=') as [string, string];
    const [body, mac] = value.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), userId: 1 })).toString('base64url');
    expect(sessions.read(request(`${name}=${forged}.${mac}`), 1_000_000)).toBeNull();
    expect(new BrowserSessions(Buffer.alloc(32, 8), { secure: false }).read(request(cookie()), 1_000_000)).toBeNull();
    expect(sessions.read(request(`${name}=garbage`), 1_000_000)).toBeNull();
  });

  it('clears the cookie and marks it Secure when asked', () => {
    const secure = new BrowserSessions(Buffer.alloc(32, 7), { secure: true });
    const { res } = response();
    secure.clear(res);
    expect(String((res.getHeader('set-cookie') as string[])[0])).toMatch(/^trestle_session=; .*Max-Age=0; Secure$/);
    expect(cookieValue('a=1; b=2', 'b')).toBe('2');
  });
});
