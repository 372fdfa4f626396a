import { boolean, index, json, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, updatedAt } from '../../platform/db/columns.js';

/**
 * The roles of memberships.role (organizations module). Spelled out because drizzle-kit loads
 * table files alone; sso.service.ts checks at compile time that the two lists agree.
 */
export const SSO_DEFAULT_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;

export const SSO_PROTOCOLS = ['saml', 'oidc'] as const;
export type SsoProtocol = (typeof SSO_PROTOCOLS)[number];

/**
 * An organization's identity provider: SAML 2.0 or OpenID Connect. Its e-mail domains live in
 * sso_domains (a domain belongs to one connection across all organizations).
 */
export const ssoConnections = mysqlTable(
  'sso_connections',
  {
    id: id(),
    organizationId: organizationId(),
    name: varchar('name', { length: 255 }).notNull(),
    protocol: mysqlEnum('protocol', SSO_PROTOCOLS).notNull(),
    isEnabled: boolean('is_enabled').notNull().default(true),
    /** Role of the membership created when a person signs in for the first time. */
    defaultRole: mysqlEnum('default_role', SSO_DEFAULT_ROLES).notNull().default('member'),
    /** SAML: accept responses the IdP sends unrequested (IdP-initiated login). */
    allowIdpInitiated: boolean('allow_idp_initiated').notNull().default(false),
    samlIdpEntityId: varchar('saml_idp_entity_id', { length: 1000 }),
    samlSsoUrl: varchar('saml_sso_url', { length: 1000 }),
    /** PEM certificates the IdP signs with; several during a rotation. */
    samlIdpCertificates: json('saml_idp_certificates').$type<string[]>(),
    oidcIssuer: varchar('oidc_issuer', { length: 1000 }),
    oidcClientId: varchar('oidc_client_id', { length: 255 }),
    /** Sealed with the service's SecretBox; never returned by the API. */
    oidcClientSecret: varchar('oidc_client_secret', { length: 1000 }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('idx_sso_connections_org').on(t.organizationId, t.id)],
);

export type SsoConnectionRow = typeof ssoConnections.$inferSelect;
