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
