import { and, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/mysql.js';
import { recordAudit } from '../audit/index.js';
import { memberships, users } from '../organizations/index.js';
import { SsoLoginError } from './sso.errors.js';
import { emailDomain, ownsDomain, type SsoConnection } from './sso.service.js';
import { ssoIdentities } from './sso-identities.table.js';
import { isDuplicateKey as isDuplicate } from '../../platform/db/errors.js';

/*
 * Just-in-time provisioning: the first sign-in of a subject creates (or links) the user and the
 * membership with the connection's default role; later sign-ins find the user by the link.
 */

export interface SignedInPerson {
  /** SAML NameID or OIDC sub: stable at the IdP. */
  subject: string;
  /** Taken from the IdP's verified claims only. */
  email: string | null;
  name: string | null;
}

export interface ProvisionedUser {
  userId: number;
  organizationId: number;
}

export async function provisionUser(db: Db, connection: SsoConnection, person: SignedInPerson): Promise<ProvisionedUser> {
  try {
    return await provisionOnce(db, connection, person);
  } catch (error) {
    // Two first sign-ins of one person at once: one created the user or link, the other finds it now.
    if (!isDuplicate(error)) throw error;
    return provisionOnce(db, connection, person);
  }
}


async function provisionOnce(db: Db, connection: SsoConnection, person: SignedInPerson): Promise<ProvisionedUser> {
  if (!connection.isEnabled) throw new SsoLoginError('CONNECTION_DISABLED', 'This sign-in method is disabled');
  const email = person.email?.trim() ?? '';
  if (!email) throw new SsoLoginError('NO_EMAIL', 'The identity provider did not send a verified e-mail address');
  const domain = emailDomain(email);
  // Only a domain the organization proved it controls (DNS TXT): else an IdP could provision,
  // in its organization, people of a company whose domain it merely claims.
  if (!domain || !ownsDomain(connection, domain)) {
    throw new SsoLoginError('DOMAIN_NOT_ALLOWED', 'Your e-mail domain does not belong to this sign-in method', `domain ${domain ?? '(none)'}${domain && connection.domains.includes(domain) ? ' (claimed, not verified)' : ''}`);
  }
  if (!person.subject || person.subject.length > 512) throw new SsoLoginError('INVALID_RESPONSE', 'The identity provider sent no usable subject');
  const organizationId = connection.organizationId;

  return db.transaction(async (tx) => {
    const [linked] = await tx
      .select({ identity: ssoIdentities, user: users })
      .from(ssoIdentities)
      .innerJoin(users, eq(users.id, ssoIdentities.userId))
      .where(and(eq(ssoIdentities.connectionId, connection.id), eq(ssoIdentities.subject, person.subject)));
    let user = linked?.user;
    let linkedNow = false;
    let createdUser = false;
    if (!user) {
      linkedNow = true;
      const [byEmail] = await tx.select().from(users).where(eq(users.email, email.toLowerCase()));
      if (byEmail) {
        // An account that exists already is linked only when it is ours to link: a member of this
        // organization, or of none. Otherwise an IdP of one organization could sign in as a person
        // of another just by claiming their e-mail domain.
        const their = await tx.select({ organizationId: memberships.organizationId }).from(memberships).where(eq(memberships.userId, byEmail.id));
        if (their.length && !their.some((m) => m.organizationId === organizationId)) {
          throw new SsoLoginError('ACCOUNT_CONFLICT', 'An account with this e-mail address belongs to another organization', `user ${byEmail.id}`);
        }
        user = byEmail;
      } else {
        createdUser = true;
        const [created] = await tx.insert(users).values({ email: email.toLowerCase(), name: person.name?.slice(0, 255) ?? null });
        [user] = await tx.select().from(users).where(eq(users.id, created.insertId));
      }
      await tx.insert(ssoIdentities).values({ organizationId, connectionId: connection.id, subject: person.subject, userId: user!.id });
    }
    if (!user!.isActive) throw new SsoLoginError('USER_INACTIVE', 'Your account is deactivated', `user ${user!.id}`);
    const [membership] = await tx
      .select()
      .from(memberships)
      .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, user!.id)));
    // A membership deactivated in this organization (SCIM active=false) stays so: the IdP's say-so
    // at sign-in does not undo what its provisioning did.
    if (membership && !membership.active) throw new SsoLoginError('USER_INACTIVE', 'Your account is deactivated in this organization', `membership ${membership.id}`);
    if (!membership) await tx.insert(memberships).values({ organizationId, userId: user!.id, role: connection.defaultRole });
    // The trail shows who signed in through which connection, and what the sign-in created.
    await recordAudit(tx, { type: 'user', id: String(user!.id) }, {
      organizationId,
      action: 'sso.signed_in',
      targetType: 'sso_connection',
      targetId: connection.id,
      metadata: { protocol: connection.protocol, userCreated: createdUser, identityLinked: linkedNow, membershipCreated: !membership, ...(membership ? {} : { role: connection.defaultRole }) },
    });
    await tx
      .update(ssoIdentities)
      .set({ lastLoginAt: new Date() })
      .where(and(eq(ssoIdentities.connectionId, connection.id), eq(ssoIdentities.subject, person.subject)));
    return { userId: user!.id, organizationId };
  });
}
