import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { summarizeCertificate } from './sso.certificates.js';
import type { SsoConnection } from './sso.service.js';
import { verificationRecord } from './sso.domains.js';
import { ssoUrls } from './sso.urls.js';

export enum SsoProtocolEnum {
  SAML = 'saml',
  OIDC = 'oidc',
}
registerEnumType(SsoProtocolEnum, { name: 'SsoProtocol' });

export enum SsoDefaultRole {
  OWNER = 'owner',
  ADMIN = 'admin',
  MEMBER = 'member',
  VIEWER = 'viewer',
}
registerEnumType(SsoDefaultRole, { name: 'SsoDefaultRole', description: 'Role of the membership created at a first sign-in.' });

@ObjectType({ description: 'An IdP signing certificate, as far as the API shows it.' })
export class SamlCertificate {
  @Field(() => String, { description: 'SHA-256 fingerprint, colon-separated hex.' })
  fingerprintSha256!: string;

  @Field(() => String)
  subject!: string;

  @Field(() => GraphQLDateTime)
  notBefore!: Date;

  @Field(() => GraphQLDateTime)
  notAfter!: Date;

  @Field(() => String, { description: 'The certificate, PEM.' })
  pem!: string;
}

@ObjectType({ description: 'SAML 2.0 settings: the IdP and what to tell its administrator about us.' })
export class SamlSettings {
  @Field(() => String)
  idpEntityId!: string;

  @Field(() => String, { description: 'The IdP single sign-on URL (HTTP-Redirect binding).' })
  ssoUrl!: string;

  @Field(() => [SamlCertificate], { description: 'Any of these may sign assertions (several during a rotation).' })
  certificates!: SamlCertificate[];

  @Field(() => Boolean, { description: 'Responses the IdP sends unrequested are accepted.' })
  allowIdpInitiated!: boolean;

  @Field(() => String, { description: 'Our entity id (also the URL of our metadata).' })
  spEntityId!: string;

  @Field(() => String, { description: 'Our Assertion Consumer Service (HTTP-POST).' })
  acsUrl!: string;

  @Field(() => String)
  metadataUrl!: string;
}

@ObjectType({ description: 'OpenID Connect settings. The client secret is write-only.' })
export class OidcSettings {
  @Field(() => String)
  issuer!: string;

  @Field(() => String)
  clientId!: string;

  @Field(() => String, { description: 'The redirect URI to register at the provider.' })
  redirectUri!: string;

  @Field(() => Boolean)
  hasClientSecret!: boolean;
}

@ObjectType({ description: 'An e-mail domain a connection claims, and the DNS TXT record that proves the organization controls it.' })
export class SsoDomainVerification {
  @Field(() => String)
  domain!: string;

  @Field(() => Boolean, { description: 'Only verified domains send their people to this connection and let it provision them.' })
  verified!: boolean;

  @Field(() => GraphQLDateTime, { nullable: true })
  verifiedAt!: Date | null;

  @Field(() => String, { description: 'The TXT record to publish: its name …' })
  recordName!: string;

  @Field(() => String, { description: '… and its value. Then call verifySsoDomain.' })
  recordValue!: string;
}

@ObjectType('SsoConnection', { description: "An organization's single sign-on through a SAML or OIDC identity provider." })
export class SsoConnectionType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => SsoProtocolEnum)
  protocol!: SsoProtocolEnum;

  @Field(() => [String], { description: 'E-mail domains claimed: once verified (domainVerifications), their people sign in here; a verified domain belongs to one connection.' })
  domains!: string[];

  @Field(() => [SsoDomainVerification], { description: 'Each claimed domain: verified or not, and the TXT record that verifies it.' })
  domainVerifications!: SsoDomainVerification[];

  @Field(() => SsoDefaultRole)
  defaultRole!: SsoDefaultRole;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => String, { description: 'Where a browser starts signing in.' })
  loginUrl!: string;

  @Field(() => SamlSettings, { nullable: true })
  saml!: SamlSettings | null;

  @Field(() => OidcSettings, { nullable: true })
  oidc!: OidcSettings | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

export function toSsoConnection(row: SsoConnection, publicUrl: string): SsoConnectionType {
  const urls = ssoUrls(publicUrl, row.id);
  return {
    id: String(row.id),
    name: row.name,
    protocol: row.protocol as SsoProtocolEnum,
    domains: row.domains,
    domainVerifications: row.domainStates.map((d) => {
      const record = verificationRecord(d.domain, d.verificationToken);
      return { domain: d.domain, verified: d.verifiedAt !== null, verifiedAt: d.verifiedAt, recordName: record.name, recordValue: record.value };
    }),
    defaultRole: row.defaultRole as SsoDefaultRole,
    enabled: row.isEnabled,
    loginUrl: urls.login,
    saml:
      row.protocol === 'saml'
        ? {
            idpEntityId: row.samlIdpEntityId ?? '',
            ssoUrl: row.samlSsoUrl ?? '',
            certificates: (row.samlIdpCertificates ?? []).map((pem) => ({ ...summarizeCertificate(pem), pem })),
            allowIdpInitiated: row.allowIdpInitiated,
            spEntityId: urls.spEntityId,
            acsUrl: urls.acs,
            metadataUrl: urls.metadata,
          }
        : null,
    oidc:
      row.protocol === 'oidc'
        ? { issuer: row.oidcIssuer ?? '', clientId: row.oidcClientId ?? '', redirectUri: urls.oidcCallback, hasClientSecret: Boolean(row.oidcClientSecret) }
        : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

@InputType({ description: 'SAML settings. Give metadataXml, or idpEntityId, ssoUrl and certificates (explicit values win over the metadata).' })
export class SamlSettingsInput {
  @Field(() => String, { nullable: true })
  idpEntityId?: string | null;

  @Field(() => String, { nullable: true })
  ssoUrl?: string | null;

  @Field(() => [String], { nullable: true, description: 'PEM or base64 X.509 certificates, 1 to 5; replaces the list.' })
  certificates?: string[] | null;

  @Field(() => String, { nullable: true, description: "The IdP's metadata XML (EntityDescriptor with an IDPSSODescriptor)." })
  metadataXml?: string | null;
}

@InputType({ description: 'OpenID Connect settings.' })
export class OidcSettingsInput {
  @Field(() => String, { nullable: true, description: 'Issuer URL; its /.well-known/openid-configuration is read.' })
  issuer?: string | null;

  @Field(() => String, { nullable: true })
  clientId?: string | null;

  @Field(() => String, { nullable: true, description: 'Stored sealed; never returned.' })
  clientSecret?: string | null;
}

@InputType()
export class CreateSsoConnectionInput {
  @Field(() => String)
  name!: string;

  @Field(() => SsoProtocolEnum)
  protocol!: SsoProtocolEnum;

  @Field(() => [String])
  domains!: string[];

  @Field(() => SsoDefaultRole, { defaultValue: SsoDefaultRole.MEMBER })
  defaultRole!: SsoDefaultRole;

  @Field(() => Boolean, { defaultValue: true })
  enabled!: boolean;

  @Field(() => Boolean, { defaultValue: false, description: 'SAML only: accept IdP-initiated logins.' })
  allowIdpInitiated!: boolean;

  @Field(() => SamlSettingsInput, { nullable: true })
  saml?: SamlSettingsInput | null;

  @Field(() => OidcSettingsInput, { nullable: true })
  oidc?: OidcSettingsInput | null;
}

@InputType({ description: 'Omitted fields stay as they are. The protocol cannot change.' })
export class UpdateSsoConnectionInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the list.' })
  domains?: string[] | null;

  @Field(() => SsoDefaultRole, { nullable: true })
  defaultRole?: SsoDefaultRole | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  allowIdpInitiated?: boolean | null;

  @Field(() => SamlSettingsInput, { nullable: true })
  saml?: SamlSettingsInput | null;

  @Field(() => OidcSettingsInput, { nullable: true })
  oidc?: OidcSettingsInput | null;
}
