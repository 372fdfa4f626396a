import type { Db } from '../../platform/db/mysql.js';
import { connectionForEmail } from './sso.service.js';
import { DEFAULT_RETURN_PATH, safeReturnPath } from '../../platform/http/return-path.js';

export { ssoConnections, type SsoConnectionRow } from './sso-connections.table.js';
export { ssoDomains } from './sso-domains.table.js';
export { ssoIdentities } from './sso-identities.table.js';
export { SsoResolver, type SsoResolverDeps } from './sso.resolver.js';
export { ssoRouter, type SsoRouterDeps } from './sso.routes.js';
export { type PublicUrl } from './sso.urls.js';

/**
 * For the OAuth login page: the path that signs `email` in through the enabled SSO connection
 * owning its domain (relative to this server, e.g. `/sso/3/login?returnTo=%2Foauth%2F…`), or null
 * when no connection owns it. `returnTo` must be a path on this server (else /account).
 */
export async function ssoLoginUrlForEmail(db: Db, email: string, returnTo: string): Promise<string | null> {
  const connection = await connectionForEmail(db, email);
  if (!connection) return null;
  const target = safeReturnPath(returnTo) ?? DEFAULT_RETURN_PATH;
  return `/sso/${connection.id}/login?returnTo=${encodeURIComponent(target)}`;
}
