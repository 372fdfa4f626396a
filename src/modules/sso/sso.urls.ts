/*
 * Where identity providers and browsers reach the SSO routes: every URL is built on the public
 * base URL (PUBLIC_URL, or http://localhost:<port listened on>), never on a request's Host header.
 */

/** The public base URL, without a trailing slash; read when needed (the port is known only after listen). */
export type PublicUrl = () => string;

export interface SsoUrls {
  /** Where a browser starts signing in. */
  login: string;
  /** SAML: our entity id, which is also where our metadata is served. */
  spEntityId: string;
  metadata: string;
  /** SAML Assertion Consumer Service (HTTP-POST). */
  acs: string;
  /** OIDC redirect URI. */
  oidcCallback: string;
}

export function ssoUrls(base: string, connectionId: number): SsoUrls {
  const root = base.replace(/\/+$/, '');
  return {
    login: `${root}/sso/${connectionId}/login`,
    spEntityId: `${root}/sso/saml/${connectionId}/metadata`,
    metadata: `${root}/sso/saml/${connectionId}/metadata`,
    acs: `${root}/sso/saml/${connectionId}/acs`,
    oidcCallback: `${root}/sso/oidc/${connectionId}/callback`,
  };
}

export const DEFAULT_RETURN_TO = '/account';

/**
 * `returnTo` when it is a path on this server, else null: no scheme, no host, no `//` or `/\`
 * (browsers read both as another host), no control characters.
 */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== 'string' || value.length < 1 || value.length > 2000) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  try {
    const url = new URL(value, 'http://trestle.invalid');
    if (url.origin !== 'http://trestle.invalid') return null;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return null;
  }
}
