import { and, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import { oauthArtifacts } from './oauth-artifacts.table.js';

/*
 * Sign-out, on the authorization server's side: the person's oidc-provider sessions (for every
 * organization they act for) and the sign-ins and consents still in progress end, so
 * `prompt=none` needs a new sign-in. Grants (consent on record) and the tokens they back stay:
 * a partner app keeps working after the person signs out of the browser.
 */

/** Deletes the sessions and interactions of user `userId` (subjects `<userId>:<organizationId>`); returns how many. */
export async function endOAuthSessions(db: Db, userId: number): Promise<number> {
  const subject = `${userId}:%`;
  const [result] = await db
    .delete(oauthArtifacts)
    .where(
      and(
        inArray(oauthArtifacts.model, ['Session', 'Interaction']),
        or(
          sql`JSON_UNQUOTE(JSON_EXTRACT(${oauthArtifacts.payload}, '$.accountId')) LIKE ${subject}`,
          sql`JSON_UNQUOTE(JSON_EXTRACT(${oauthArtifacts.payload}, '$.session.accountId')) LIKE ${subject}`,
          sql`JSON_UNQUOTE(JSON_EXTRACT(${oauthArtifacts.payload}, '$.result.login.accountId')) LIKE ${subject}`,
        ),
      ),
    );
  return result.affectedRows;
}
