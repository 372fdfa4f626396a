import type { Request, Response, Router } from 'express';
import { eq } from 'drizzle-orm';
import { SCOPES, isScope } from '../../platform/auth/scopes.js';
import type { Db } from '../../platform/db/mysql.js';
import { organizations, type MembershipRole } from '../organizations/index.js';
import { oauthClients } from './oauth-clients.table.js';
import { activeMembership, parseAccountId, scopesForRole } from './oauth.accounts.js';
import type { Found, InteractionKit } from './oauth.interaction-kit.js';
import { renderConsentPage } from './oauth.pages.js';

/*
 * The consent step: who asks (the app and the organization that registered it, marked when it is
 * not the person's own), where the browser goes afterwards (the redirect URI's host), and the
 * requested scopes in plain words; those the person's role may not grant are shown as not granted
 * and rejected in the grant. Deny ends the flow with access_denied.
 */

interface PromptDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

function requestedScopes(details: unknown, role: MembershipRole): { granted: string[]; withheld: string[] } {
  const prompt = details as PromptDetails;
  const requested = [...new Set(Object.values(prompt.missingResourceScopes ?? {}).flat())];
  const allowed = new Set<string>(scopesForRole(role));
  const extra = (prompt.missingOIDCScope ?? []).filter((s) => s === 'offline_access');
  return { granted: [...requested.filter((s) => allowed.has(s)), ...extra], withheld: requested.filter((s) => !allowed.has(s)) };
}

function describe(scope: string): string {
  if (isScope(scope)) return SCOPES[scope];
  if (scope === 'offline_access') return 'Keep access when you are not using the app (refresh tokens)';
  return scope;
}

/** The signed-in account of the interaction, when its membership is still active. */
async function memberOf(kit: InteractionKit, found: Found) {
  const accountId = found.details.session?.accountId;
  const account = parseAccountId(accountId);
  const membership = account ? await activeMembership(kit.deps.db, account) : null;
  return account && membership && accountId ? { accountId, account, membership } : null;
}

async function signInAgain({ provider }: Found, req: Request, res: Response): Promise<void> {
  await provider.interactionFinished(req, res, { error: 'login_required', error_description: 'Sign in again' }, { mergeWithLastSubmission: false });
}

/** The organization that registered the client (its name and id), or null for an unknown client. */
async function clientOwner(db: Db, clientId: unknown): Promise<{ id: number; name: string } | null> {
  if (typeof clientId !== 'string') return null;
  const [row] = await db
    .select({ id: organizations.id, name: organizations.name })
    .from(oauthClients)
    .innerJoin(organizations, eq(organizations.id, oauthClients.organizationId))
    .where(eq(oauthClients.clientId, clientId));
  return row ?? null;
}

/** The host a redirect URI sends the browser to (with its port when it has one). */
function hostOf(redirectUri: unknown): string {
  try {
    return typeof redirectUri === 'string' ? new URL(redirectUri).host || redirectUri : 'the application';
  } catch {
    return 'the application';
  }
}

/** GET of the interaction at the consent step. */
export async function showConsent(kit: InteractionKit, found: Found, req: Request, res: Response): Promise<void> {
  const member = await memberOf(kit, found);
  if (!member) return signInAgain(found, req, res);
  const { granted, withheld } = requestedScopes(found.details.prompt.details, member.membership.role);
  const uid = found.details.uid;
  const owner = await clientOwner(kit.deps.db, found.details.params['client_id']);
  kit.html(
    res,
    200,
    renderConsentPage({
      action: `/oauth/interaction/${uid}/confirm`,
      csrf: kit.csrfFor(uid),
      clientName: await kit.clientName(found),
      clientOrganization: owner?.name ?? 'an unknown organization',
      fromAnotherOrganization: owner?.id !== member.account.organizationId,
      redirectHost: hostOf(found.details.params['redirect_uri']),
      organizationName: member.membership.organizationName,
      scopes: granted.map((name) => ({ name, description: describe(name) })),
      withheld: withheld.map((name) => ({ name, description: describe(name) })),
    }),
  );
}

export function consentRoutes(router: Router, kit: InteractionKit): void {
  router.post('/:uid/confirm', kit.form, async (req, res, next) => {
    try {
      const found = await kit.interaction(req, res, 'consent', true);
      if (!found) return;
      const { provider, details } = found;
      if (kit.field(req, 'decision') !== 'approve') {
        return await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user denied the request' }, { mergeWithLastSubmission: false });
      }
      const member = await memberOf(kit, found);
      const clientId = details.params['client_id'];
      if (!member || typeof clientId !== 'string') return await signInAgain(found, req, res);
      const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId: member.accountId, clientId });
      const prompt = details.prompt.details as PromptDetails;
      if (prompt.missingOIDCScope?.length) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
      if (prompt.missingOIDCClaims?.length) grant.addOIDCClaims(prompt.missingOIDCClaims);
      const allowed = new Set<string>(scopesForRole(member.membership.role));
      for (const [indicator, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) {
        const granted = scopes.filter((s) => allowed.has(s));
        const withheld = scopes.filter((s) => !allowed.has(s));
        if (granted.length) grant.addResourceScope(indicator, granted.join(' '));
        // Rejected, not merely left out: otherwise the consent prompt would come back for them.
        if (withheld.length) grant.rejectResourceScope(indicator, withheld.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (error) {
      next(error);
    }
  });
}
