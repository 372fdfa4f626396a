import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * A SAML 2.0 identity provider built with samlify, inside the test process: it reads our SP
 * metadata, parses our AuthnRequests (HTTP-Redirect) and signs its responses (assertion signed,
 * RSA-SHA256), as an IdP nobody here wrote would. samlify and its validator are loaded with
 * require: their type declarations pull in the DOM lib, which would change Buffer's typing for
 * the whole project, so the little used here is typed below.
 */

const require = createRequire(import.meta.url);
const samlify = require('samlify') as Samlify;
samlify.setSchemaValidator(require('@authenio/samlify-node-xmllint') as { validate: (xml: string) => Promise<unknown> });

const KEYS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'saml');
export const idpKeys = (name: 'idp' | 'idp-next' | 'other') => ({
  key: readFileSync(path.join(KEYS, `${name}-key.pem`), 'utf8'),
  cert: readFileSync(path.join(KEYS, `${name}-cert.pem`), 'utf8'),
});

interface SamlifyEntity {
  entityMeta: { getEntityID(): string; getAssertionConsumerService(binding: string): string };
}
interface Samlify {
  setSchemaValidator(v: { validate: (xml: string) => Promise<unknown> }): void;
  IdentityProvider(settings: Record<string, unknown>): SamlifyEntity & {
    parseLoginRequest(sp: SamlifyEntity, binding: string, req: { query: Record<string, string> }): Promise<{ extract: { request: { id: string } } }>;
    createLoginResponse(
      sp: SamlifyEntity,
      requestInfo: unknown,
      binding: string,
      user: Record<string, string>,
      options: { customTagReplacement: (template: string) => { id: string; context: string } },
    ): Promise<{ context: string; entityEndpoint: string }>;
  };
  ServiceProvider(settings: Record<string, unknown>): SamlifyEntity;
  SamlLib: { replaceTagsByValue(template: string, values: Record<string, string>): string; defaultLoginResponseTemplate: { context: string } };
}

const SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/** Values of samlify's login response template that a test may change. */
export interface ResponseValues {
  InResponseTo: string;
  NameID: string;
  Audience: string;
  Destination: string;
  SubjectRecipient: string;
  Issuer: string;
  ConditionsNotBefore: string;
  ConditionsNotOnOrAfter: string;
  SubjectConfirmationDataNotOnOrAfter: string;
  AssertionID: string;
  ID: string;
  IssueInstant: string;
  StatusCode: string;
}

let counter = 0;
const newId = () => `_test${Date.now().toString(36)}${(counter += 1)}${Math.random().toString(36).slice(2)}`;

export class TestSamlIdp {
  readonly entityId: string;
  private readonly idp: ReturnType<Samlify['IdentityProvider']>;

  constructor(
    readonly url: string,
    keys: { key: string; cert: string },
    entityId?: string,
  ) {
    this.entityId = entityId ?? `${url}/metadata`;
    this.idp = samlify.IdentityProvider({
      entityID: this.entityId,
      privateKey: keys.key,
      signingCert: keys.cert,
      requestSignatureAlgorithm: SHA256,
      nameIDFormat: [EMAIL_FORMAT],
      singleSignOnService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `${url}/sso` }],
      wantAuthnRequestsSigned: false,
      isAssertionEncrypted: false,
    });
  }

  /** A samlify SP read from our metadata document. */
  static spFrom(metadataXml: string): SamlifyEntity {
    return samlify.ServiceProvider({ metadata: metadataXml });
  }

  /** The id of an AuthnRequest our SP sent (the IdP's redirect URL's query). */
  async parseRequest(sp: SamlifyEntity, query: Record<string, string>): Promise<string> {
    const parsed = await this.idp.parseLoginRequest(sp, 'redirect', { query });
    return parsed.extract.request.id;
  }

  /**
   * A signed login response (base64) for `sp`: samlify's template and signing, with any value
   * overridden. Without InResponseTo it is an IdP-initiated response.
   */
  async response(sp: SamlifyEntity, email: string, values: Partial<ResponseValues> = {}): Promise<string> {
    const now = new Date();
    const later = new Date(now.getTime() + 5 * 60_000).toISOString();
    const acs = sp.entityMeta.getAssertionConsumerService('post');
    const id = values.ID ?? newId();
    const all: Record<string, string> = {
      ID: id,
      AssertionID: newId(),
      Destination: acs,
      Audience: sp.entityMeta.getEntityID(),
      EntityID: sp.entityMeta.getEntityID(),
      SubjectRecipient: acs,
      Issuer: this.entityId,
      IssueInstant: now.toISOString(),
      AssertionConsumerServiceURL: acs,
      StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: later,
      SubjectConfirmationDataNotOnOrAfter: later,
      NameIDFormat: EMAIL_FORMAT,
      NameID: email,
      InResponseTo: '',
      AuthnStatement: '',
      AttributeStatement: '',
      ...values,
    };
    const created = await this.idp.createLoginResponse(sp, {}, 'post', { email }, {
      customTagReplacement: (template) => {
        let xml = samlify.SamlLib.replaceTagsByValue(template, all);
        // An IdP-initiated response carries no InResponseTo at all (not an empty one).
        if (!all['InResponseTo']) xml = xml.replace(/ InResponseTo=""/g, '');
        return { id, context: xml };
      },
    });
    return created.context;
  }

  /** The XML of samlify's template with these values, not signed. */
  unsignedXml(sp: SamlifyEntity, email: string, values: Partial<ResponseValues> = {}): string {
    const acs = sp.entityMeta.getAssertionConsumerService('post');
    const now = new Date();
    const later = new Date(now.getTime() + 5 * 60_000).toISOString();
    return samlify.SamlLib.replaceTagsByValue(samlify.SamlLib.defaultLoginResponseTemplate.context, {
      ID: newId(),
      AssertionID: newId(),
      Destination: acs,
      Audience: sp.entityMeta.getEntityID(),
      SubjectRecipient: acs,
      Issuer: this.entityId,
      IssueInstant: now.toISOString(),
      StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: later,
      SubjectConfirmationDataNotOnOrAfter: later,
      NameIDFormat: EMAIL_FORMAT,
      NameID: email,
      InResponseTo: '',
      AuthnStatement: '',
      AttributeStatement: '',
      ...values,
    });
  }
}

/**
 * The IdP as a web site, for the browser: GET /sso shows a sign-in form for the AuthnRequest,
 * POST /login answers with an auto-posting form to the SP's ACS carrying the signed response.
 */
export async function startSamlIdpServer(keys: { key: string; cert: string }): Promise<{ idp: TestSamlIdp; url: string; useSp(metadataXml: string): void; close(): Promise<void> }> {
  let sp: SamlifyEntity | null = null;
  let idp: TestSamlIdp | null = null;
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://idp.invalid');
      if (req.method === 'GET' && url.pathname === '/sso' && sp && idp) {
        const query = Object.fromEntries(url.searchParams);
        const requestId = await idp.parseRequest(sp, query);
        res.setHeader('content-type', 'text/html');
        res.end(
          `<!doctype html><title>Test IdP</title><form method="post" action="/login"><input type="hidden" name="requestId" value="${escape(requestId)}"><input type="hidden" name="relayState" value="${escape(query['RelayState'] ?? '')}"><label>E-mail <input name="email" id="idp-email"></label><button id="idp-sign-in">Sign in</button></form>`,
        );
        return;
      }
      if (req.method === 'POST' && url.pathname === '/login' && sp && idp) {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        const form = new URLSearchParams(body);
        const samlResponse = await idp.response(sp, form.get('email') ?? '', { InResponseTo: form.get('requestId') ?? '' });
        const acs = sp.entityMeta.getAssertionConsumerService('post');
        res.setHeader('content-type', 'text/html');
        res.end(
          `<!doctype html><title>Posting</title><body onload="document.forms[0].submit()"><form method="post" action="${escape(acs)}"><input type="hidden" name="SAMLResponse" value="${escape(samlResponse)}"><input type="hidden" name="RelayState" value="${escape(form.get('relayState') ?? '')}"><noscript><button>Continue</button></noscript></form></body>`,
        );
        return;
      }
      res.statusCode = 404;
      res.end('not found');
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp = new TestSamlIdp(url, keys);
  return {
    idp,
    url,
    useSp(metadataXml) {
      sp = TestSamlIdp.spFrom(metadataXml);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
