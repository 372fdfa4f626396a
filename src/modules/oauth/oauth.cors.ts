import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import { oauthArtifacts } from './oauth-artifacts.table.js';
import { oauthClients } from './oauth-clients.table.js';
import { looksLikeAccessToken } from './oauth.verifier.js';

/*
 * The clients' web origins, for the CORS answers of /graphql, REST and the WebSocket
 * (src/platform/http/cors.ts); /oauth/token asks oidc-provider's clientBasedCORS.
 */

/** Whether some client lists `origin` among its web origins. */
export async function isRegisteredWebOrigin(db: Db, origin: string): Promise<boolean> {
  const [row] = await db
    .select({ id: oauthClients.id })
    .from(oauthClients)
    .where(sql`JSON_CONTAINS(${oauthClients.webOrigins}, JSON_QUOTE(${origin}))`)
    .limit(1);
  return row !== undefined;
}

/** The web origins of the client an unexpired OAuth access token was issued to; [] for anything else. */
export async function webOriginsOfToken(db: Db, token: string, now = new Date()): Promise<string[]> {
  if (!looksLikeAccessToken(token)) return [];
  const [row] = await db
    .select({ webOrigins: oauthClients.webOrigins, expiresAt: oauthArtifacts.expiresAt })
    .from(oauthArtifacts)
    .innerJoin(oauthClients, eq(oauthClients.clientId, oauthArtifacts.clientId))
    .where(and(inArray(oauthArtifacts.model, ['AccessToken', 'ClientCredentials']), eq(oauthArtifacts.id, token)));
  return row && row.expiresAt && row.expiresAt > now ? row.webOrigins : [];
}
