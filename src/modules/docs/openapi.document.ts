import { ENTITY_TYPES } from '../records/index.js';
import { scimOpenApiComponents, scimOpenApiPaths } from '../scim/index.js';
import { oauthErrorSchema, oauthOpenApiPaths } from '../oauth/index.js';

/**
 * The OpenAPI 3.1 description of the REST shim (file transfer, status, downloads). GraphQL is
 * the main API and describes itself (schema/schema.graphql, introspection); this document covers
 * only what lives beside it under /api/v1.
 */
const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', examples: ['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED', 'PAYLOAD_TOO_LARGE'] },
        message: { type: 'string' },
      },
      additionalProperties: true,
    },
  },
} as const;

/** A reference to a component schema. */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** A response (or request body) whose JSON matches `schema`. */
const json = (description: string, schema: Record<string, unknown>) => ({ description, content: { 'application/json': { schema } } });
/** A JSON object of one property holding a component: `{ importJob: ImportJob }`. */
const holding = (property: string, component: string) => ({ type: 'object', properties: { [property]: ref(component) } });

const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description:
          { 400: 'Bad input', 401: 'No or invalid API key', 403: 'Missing scope', 404: 'Not found (also for other organizations’ resources)', 409: 'Not in a state for this', 413: 'File too large', 429: 'Rate limited (see Retry-After)' }[status] ?? 'Error',
        content: { 'application/json': { schema: ref('Error') } },
      },
    ]),
  );

/** A provider callback route: no API key, the provider's own signature instead (modules/callbacks). */
const hookErrors = {
  '400': json('Not a payload this provider sends (only once the signature holds, where it is a header)', ref('Error')),
  '401': json('Missing or bad signature, or unknown, inactive or other-provider connection (all alike)', ref('Error')),
  '413': json('Body above CALLBACK_BODY_LIMIT_BYTES', ref('Error')),
};
const connectionParam = { name: 'connectionId', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'The integration connection the provider was told to call back.' };
const accepted = (status: string) => ({
  [status]: {
    description: 'Recorded and queued for processing; `duplicate` when this event was already received (a replay is answered but not processed again)',
    content: { 'application/json': { schema: { type: 'object', properties: { received: { type: 'boolean' }, duplicate: { type: 'boolean' } } } } },
  },
});
const hookBody = (description: string) => ({ required: true, description, content: { 'application/json': { schema: { type: ['object', 'array'] } } } });

/** SSO sign-in routes: browser pages and redirects, no API key (modules/sso). */
const ssoConnectionParam = { name: 'connectionId', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'The SSO connection (GraphQL ssoConnections).' };
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const ssoRefusals = {
  '400': htmlPage('Not a request this route understands (bad returnTo; SAMLResponse missing, not base64, not well-formed, with a DOCTYPE; callback without code or state)'),
  '401': htmlPage('The identity provider’s answer was not accepted (signature, audience, recipient, destination, times, InResponseTo, replay, state, nonce, PKCE)'),
  '403': htmlPage('Connection disabled, e-mail domain not the connection’s, no verified e-mail, or user deactivated'),
  '404': htmlPage('No such connection (or not of this protocol)'),
};
const signedIn = { '303': { description: 'Signed in: the browser session cookie is set and the browser goes to returnTo (default /account)', headers: { Location: { schema: { type: 'string' } }, 'Set-Cookie': { schema: { type: 'string' } } } } };

/** Body of validate / execute. */
const runBody = (withMode: boolean) => ({
  required: true,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['importJobId'],
        properties: {
          importJobId: { type: 'string', pattern: '^[0-9]+$' },
          mapping: { type: 'object', description: 'Header → field key (see the GraphQL importTypes query), or null to ignore the column.', additionalProperties: { type: ['string', 'null'] } },
          ...(withMode ? { mode: { type: 'string', enum: ['skip_invalid', 'all_or_nothing'], default: 'skip_invalid' } } : {}),
        },
      },
    },
  },
});
const runAccepted = {
  '202': json('The import job, now running', holding('importJob', 'ImportJob')),
};

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } };
const jobObject = (description: string) => ({ type: 'object', description, additionalProperties: true });

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trestle REST shim',
      version: '1',
      description:
        'File transfer and downloads beside the GraphQL API (POST /graphql, which describes itself). Authenticate with `Authorization: Bearer <API key>` or `X-API-Key`. Responses carry `RateLimit-Policy` and `RateLimit` headers. Provider callbacks under /hooks take no key: each is verified by its provider’s own signature. SCIM 2.0 for identity providers lives under /scim/v2 and takes an organization’s SCIM token instead.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { apiKey: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key such as trk_live_…, or an OAuth 2.0 access token from /oauth/token' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        ...scimOpenApiComponents.securitySchemes,
      },
      schemas: {
        Error: errorBody,
        EntityType: { type: 'string', enum: [...ENTITY_TYPES] },
        ImportJob: jobObject('An import job, as the GraphQL ImportJob type.'),
        ExportJob: jobObject('An export job, as the GraphQL ExportJob type, with its manifest.'),
        ...scimOpenApiComponents.schemas,
        OAuthError: oauthErrorSchema,
        Integration: { type: 'object', description: 'A connection to an external system, as the GraphQL Integration type (credentials are never returned, only their names).', additionalProperties: true },
        IntegrationInput: {
          type: 'object',
          properties: {
            type: { type: 'string', description: 'An integration type (GraphQL integrationTypes), e.g. quickbooks. Create only.' },
            name: { type: 'string', maxLength: 255 },
            projectId: { type: ['string', 'null'], pattern: '^[0-9]+$' },
            config: { type: 'object', description: 'Checked against the type’s config schema.' },
            conflictPolicy: { type: 'string', enum: ['platform_wins', 'remote_wins', 'newest_wins', 'manual'] },
            isActive: { type: 'boolean' },
            credentials: { type: 'object', description: 'Secrets named by the type (e.g. webhookVerifierToken); stored sealed; null removes one.' },
            syncIntervalMinutes: { type: 'integer', description: 'Minutes between scheduled incremental syncs, 5 to 10080; 0 turns them off.' },
          },
          additionalProperties: false,
        },
        SyncLog: { type: 'object', description: 'One sync run, as the GraphQL SyncLog type.', additionalProperties: true },
        ApiKey: { type: 'object', description: 'An API key, as the GraphQL ApiKey type (never its secret).', additionalProperties: true },
        Page: {
          type: 'object',
          properties: { nodes: { type: 'array', items: {} }, pageInfo: { type: 'object', properties: { hasNextPage: { type: 'boolean' }, endCursor: { type: ['string', 'null'] } } } },
        },
      },
    },
    paths: {
      ...oauthOpenApiPaths(),
      '/api/v1/import/upload': {
        post: {
          operationId: 'uploadImport',
          summary: 'Upload a file to import',
          description: 'The request body is the file itself. Creates an import job with the suggested column mapping; continue with POST /api/v1/import/validate and /execute (or the GraphQL mutations validateImport and executeImport). Scope imports:write.',
          parameters: [
            { name: 'type', in: 'query', required: true, schema: { $ref: '#/components/schemas/EntityType' } },
            { name: 'projectId', in: 'query', schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'Required for project records.' },
            { name: 'fileName', in: 'query', schema: { type: 'string' } },
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['csv', 'tsv', 'xlsx', 'json', 'ndjson', 'xml'] }, description: 'Detected from the content when omitted.' },
            { name: 'sheet', in: 'query', schema: { type: 'string' }, description: 'XLSX: sheet name or 1-based position; default the first visible sheet with data.' },
            { name: 'headerRow', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 40 }, description: 'XLSX, CSV: 1-based header row; default detected.' },
            { name: 'recordPath', in: 'query', schema: { type: 'string' } },
            { name: 'delimiter', in: 'query', schema: { type: 'string' } },
            { name: 'encoding', in: 'query', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          responses: {
            '201': {
              description: 'The import job',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      importJob: { $ref: '#/components/schemas/ImportJob' },
                      suggestions: { type: 'array', items: { type: 'object' } },
                      mappingFromSaved: { type: 'boolean' },
                      sheets: { type: 'array', items: { type: 'object' }, description: 'XLSX: every sheet (name, position, hidden, veryHidden, rowCount, hasData, chosen).' },
                      headerRow: { type: ['integer', 'null'], description: '1-based row the headers were read from.' },
                      warnings: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
            },
            ...errors(400, 401, 403, 404, 413, 429),
          },
        },
      },
      '/api/v1/import/validate': {
        post: {
          operationId: 'validateImport',
          summary: 'Check every row of an uploaded file (dry run)',
          description: 'Writes nothing; poll GET /api/v1/import/{id}/status (status becomes validated, with counts and the first issues). The mapping overrides the suggested one and is saved for the next file with these headers. Scope imports:write.',
          requestBody: runBody(false),
          responses: { ...runAccepted, ...errors(400, 401, 403, 404, 409, 429) },
        },
      },
      '/api/v1/import/execute': {
        post: {
          operationId: 'executeImport',
          summary: 'Run the import in the background',
          description: 'Upserts by origin id in chunks; skip_invalid (default) writes the valid rows, all_or_nothing writes nothing if any row fails. Poll GET /api/v1/import/{id}/status. Scope imports:write.',
          requestBody: runBody(true),
          responses: { ...runAccepted, ...errors(400, 401, 403, 404, 409, 429) },
        },
      },
      '/api/v1/import/cancel': {
        post: {
          operationId: 'cancelImport',
          summary: 'Cancel an import job that has not ended',
          description: 'The job is cancelled at once; a running import stops at its next chunk, which is rolled back. Rows committed before stay (skip_invalid). 409 for a job that has ended. Scope imports:write.',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['importJobId'], properties: { importJobId: { type: ['string', 'integer'] } }, additionalProperties: false } } } },
          responses: { '200': json('The job, cancelled', holding('importJob', 'ImportJob')), ...errors(400, 401, 403, 404, 409, 429) },
        },
      },
      '/api/v1/import/resume': {
        post: {
          operationId: 'resumeImport',
          summary: 'Resume a failed or cancelled import job',
          description: 'Carries on the run the job was in: an import from its last committed row (rows already in are not written again), a dry run from the start. 409 in any other state. Scope imports:write.',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['importJobId'], properties: { importJobId: { type: ['string', 'integer'] } }, additionalProperties: false } } } },
          responses: { ...runAccepted, ...errors(400, 401, 403, 404, 409, 429) },
        },
      },
      '/api/v1/import/{id}/status': {
        get: {
          operationId: 'getImportStatus',
          summary: 'State of an import job',
          parameters: [idParam],
          responses: {
            '200': json('The job', holding('importJob', 'ImportJob')),
            ...errors(400, 401, 403, 404, 429),
          },
        },
      },
      '/api/v1/import/templates/{type}': {
        get: {
          operationId: 'getImportTemplate',
          summary: 'Template of an import type',
          description: 'XLSX with data validation and a sheet documenting every field, or CSV with the labelled header and an example row. Scope imports:read.',
          parameters: [
            { name: 'type', in: 'path', required: true, schema: { $ref: '#/components/schemas/EntityType' } },
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['xlsx', 'csv'], default: 'xlsx' } },
          ],
          responses: {
            '200': {
              description: 'The template',
              content: {
                'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } },
                'text/csv': { schema: { type: 'string' } },
              },
            },
            ...errors(400, 401, 403, 429),
          },
        },
      },
      '/api/v1/keys': {
        post: {
          operationId: 'createApiKey',
          summary: 'Create an API key',
          description: 'As the GraphQL createApiKey; the secret is in the answer, once. Scope keys:write; never more scopes than the caller holds.',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['name', 'scopes'],
                  properties: {
                    name: { type: 'string', maxLength: 255 },
                    scopes: { type: 'array', items: { type: 'string' } },
                    environment: { type: 'string', enum: ['live', 'test'] },
                    rateLimit: { type: ['integer', 'null'], minimum: 1, maximum: 1_000_000, description: 'Requests per hour (default RATE_LIMIT_PER_HOUR, 1000).' },
                    burstLimit: { type: ['integer', 'null'], minimum: 1, maximum: 1_000_000, description: 'Requests per burst window of RATE_LIMIT_SPIKE_WINDOW_S (default RATE_LIMIT_SPIKE, 100 per 10 s).' },
                    expiresAt: { type: ['string', 'null'], format: 'date-time' },
                  },
                },
              },
            },
          },
          responses: {
            '201': json('The key and its secret', { type: 'object', properties: { apiKey: ref('ApiKey'), plaintextKey: { type: 'string' } } }),
            ...errors(400, 401, 403, 429),
          },
        },
      },
      '/api/v1/keys/{id}': {
        patch: {
          operationId: 'updateApiKey',
          summary: "Change an API key's name, hourly limit or burst limit",
          description: 'As the GraphQL updateApiKey; omitted fields stay, burstLimit null returns to the deployment default. Scope keys:write.',
          parameters: [idParam],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    name: { type: 'string', maxLength: 255 },
                    rateLimit: { type: 'integer', minimum: 1, maximum: 1_000_000 },
                    burstLimit: { type: ['integer', 'null'], minimum: 1, maximum: 1_000_000 },
                  },
                },
              },
            },
          },
          responses: { '200': json('The key', holding('apiKey', 'ApiKey')), ...errors(400, 401, 403, 404, 429) },
        },
      },
      '/api/v1/export': {
        post: {
          operationId: 'createExport',
          summary: 'Start an export',
          description: 'Runs in the background; poll GET /api/v1/export/{id}. Scope exports:write.',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['type', 'format'],
                  properties: {
                    type: { $ref: '#/components/schemas/EntityType' },
                    format: { type: 'string', enum: ['csv', 'xlsx', 'json', 'ndjson', 'xml'] },
                    projectId: { type: 'string', pattern: '^[0-9]+$' },
                    filters: {
                      type: 'object',
                      additionalProperties: false,
                      properties: { search: { type: 'string' }, originIds: { type: 'array', items: { type: 'string' }, maxItems: 1000 }, updatedSince: { type: 'string', format: 'date-time' } },
                    },
                  },
                },
              },
            },
          },
          responses: {
            '202': json('The export job', holding('exportJob', 'ExportJob')),
            ...errors(400, 401, 403, 404, 429),
          },
        },
      },
      '/api/v1/export/{id}': {
        get: {
          operationId: 'getExport',
          summary: 'State of an export, with its manifest when done',
          parameters: [idParam],
          responses: {
            '200': json('The export job', holding('exportJob', 'ExportJob')),
            ...errors(400, 401, 403, 404, 429),
          },
        },
      },
      '/api/v1/export/{id}/download': {
        get: {
          operationId: 'downloadExport',
          summary: 'The finished export: a ZIP of the data file and manifest.json',
          parameters: [idParam],
          responses: {
            '200': { description: 'The ZIP; the Digest header carries its SHA-256', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } },
            ...errors(400, 401, 403, 404, 409, 429),
          },
        },
      },
      '/hooks/quickbooks/{connectionId}': {
        post: {
          operationId: 'receiveQuickBooksCallback',
          summary: 'QuickBooks Online webhook',
          description:
            'Called by Intuit. `intuit-signature` must be base64(HMAC-SHA256(raw body, webhook verifier token)), the token being stored sealed in the connection (integration type `quickbooks`). Legacy `eventNotifications` and CloudEvents payloads are accepted; replays are recognised by CloudEvents id (else by body hash).',
          tags: ['Provider callbacks'],
          security: [],
          parameters: [connectionParam, { name: 'intuit-signature', in: 'header', required: true, schema: { type: 'string' } }],
          requestBody: hookBody('A CloudEvents array or a legacy { eventNotifications } object'),
          responses: { ...accepted('200'), ...hookErrors },
        },
      },
      '/hooks/msgraph/{connectionId}': {
        post: {
          operationId: 'receiveMicrosoftGraphCallback',
          summary: 'Microsoft Graph change notifications',
          description:
            'Called by Microsoft Graph for a connection of integration type `microsoft_graph` or `outlook`. With `?validationToken=` (subscription handshake) the token is echoed at once as text/plain. Otherwise the body is `{ value: [notification, …] }` and every item’s `clientState` must equal the connection’s (stored sealed); one mismatch refuses the batch.',
          tags: ['Provider callbacks'],
          security: [],
          parameters: [connectionParam, { name: 'validationToken', in: 'query', schema: { type: 'string', maxLength: 4096 } }],
          requestBody: { ...hookBody('A changeNotificationCollection'), required: false },
          responses: {
            '200': { description: 'Handshake: the validation token, URL-decoded', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...accepted('202'),
            ...hookErrors,
          },
        },
      },
      '/hooks/autodesk/{connectionId}': {
        post: {
          operationId: 'receiveAutodeskCallback',
          summary: 'Autodesk Platform Services webhook',
          description:
            'Called by APS for a connection of integration type `autodesk`. `x-adsk-signature` must be `sha1hash=` + hex HMAC-SHA1(raw body, the secret token), stored sealed in the connection. Replays are recognised by body hash.',
          tags: ['Provider callbacks'],
          security: [],
          parameters: [
            connectionParam,
            { name: 'x-adsk-signature', in: 'header', required: true, schema: { type: 'string', pattern: '^sha1hash=[0-9a-fA-F]{40}$' } },
            { name: 'x-adsk-delivery-id', in: 'header', schema: { type: 'string' } },
          ],
          requestBody: hookBody('{ version, resourceUrn, hook, payload }'),
          responses: { ...accepted('200'), ...hookErrors },
        },
      },
      '/sso/{connectionId}/login': {
        get: {
          operationId: 'ssoLogin',
          tags: ['SSO'],
          summary: 'Start signing in through an SSO connection',
          description:
            'Redirects to the identity provider: a SAML AuthnRequest (HTTP-Redirect binding; its id is remembered for InResponseTo) or an OIDC authorization request (code with PKCE S256, state and nonce). A request reaching another host than PUBLIC_URL is first redirected there.',
          security: [],
          parameters: [ssoConnectionParam, { name: 'returnTo', in: 'query', schema: { type: 'string', default: '/account' }, description: 'A path on this server to land on afterwards; anything else is refused.' }],
          responses: { '302': { description: 'To the identity provider', headers: { Location: { schema: { type: 'string' } } } }, ...ssoRefusals },
        },
      },
      '/sso/saml/{connectionId}/metadata': {
        get: {
          operationId: 'ssoSamlMetadata',
          tags: ['SSO'],
          summary: 'Our SAML service provider metadata',
          description: 'Entity id (this URL), Assertion Consumer Service (HTTP-POST), NameID format e-mail, WantAssertionsSigned. Give it to the IdP’s administrator.',
          security: [],
          parameters: [ssoConnectionParam],
          responses: { '200': { description: 'EntityDescriptor', content: { 'application/samlmetadata+xml': { schema: { type: 'string' } } } }, '404': ssoRefusals['404'] },
        },
      },
      '/sso/saml/{connectionId}/acs': {
        post: {
          operationId: 'ssoSamlAcs',
          tags: ['SSO'],
          summary: 'SAML Assertion Consumer Service (HTTP-POST binding)',
          description:
            'Takes the IdP’s SAMLResponse: exactly one assertion, signed (RSA/ECDSA with SHA-256 or SHA-512) by one of the connection’s certificates, from its entity id, for our audience and ACS, within its validity (3 s clock skew), answering a request we sent (or IdP-initiated when the connection allows it), never used before. The first sign-in creates the user and membership (just-in-time).',
          security: [],
          parameters: [ssoConnectionParam],
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: { type: 'object', required: ['SAMLResponse'], properties: { SAMLResponse: { type: 'string', description: 'base64 XML, at most 256 KiB decoded' }, RelayState: { type: 'string' } } },
              },
            },
          },
          responses: { ...signedIn, ...ssoRefusals, '413': htmlPage('Body too large') },
        },
      },
      '/sso/oidc/{connectionId}/callback': {
        get: {
          operationId: 'ssoOidcCallback',
          tags: ['SSO'],
          summary: 'OpenID Connect redirect URI',
          description: 'Checks state (against this browser’s cookie and a single-use row), exchanges the code with the PKCE verifier, validates the id_token and its nonce, and takes the e-mail only when email_verified is true.',
          security: [],
          parameters: [ssoConnectionParam, { name: 'code', in: 'query', schema: { type: 'string' } }, { name: 'state', in: 'query', schema: { type: 'string' } }],
          responses: { ...signedIn, ...ssoRefusals },
        },
      },
      '/account': {
        get: {
          operationId: 'account',
          tags: ['SSO'],
          summary: 'The signed-in person: name, e-mail, organization and role',
          security: [],
          responses: { '200': htmlPage('Signed in'), '401': htmlPage('Not signed in') },
        },
      },
      '/account/sign-out': {
        post: {
          operationId: 'signOut',
          tags: ['SSO'],
          summary: 'Sign this browser out',
          security: [],
          responses: { '303': { description: 'To /account, with the session cookie cleared' } },
        },
      },
      '/api/v1/integrations': {
        get: {
          operationId: 'listIntegrations',
          summary: 'The organization’s integrations, newest first',
          tags: ['Integrations'],
          parameters: [{ name: 'first', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }, { name: 'after', in: 'query', schema: { type: 'string' } }],
          responses: { '200': json('A page of integrations', ref('Page')), ...errors(400, 401, 403, 429) },
        },
        post: {
          operationId: 'createIntegration',
          summary: 'Create an integration (OAuth ones then need connectIntegration in GraphQL)',
          tags: ['Integrations'],
          requestBody: { required: true, content: { 'application/json': { schema: ref('IntegrationInput') } } },
          responses: { '201': json('The integration', ref('Integration')), ...errors(400, 401, 403, 404, 429) },
        },
      },
      '/api/v1/integrations/{id}': {
        get: {
          operationId: 'getIntegration',
          summary: 'One integration',
          tags: ['Integrations'],
          parameters: [idParam],
          responses: { '200': json('The integration', ref('Integration')), ...errors(400, 401, 403, 404, 429) },
        },
        put: {
          operationId: 'updateIntegration',
          summary: 'Change an integration; omitted fields stay',
          tags: ['Integrations'],
          parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: ref('IntegrationInput') } } },
          responses: { '200': json('The integration', ref('Integration')), ...errors(400, 401, 403, 404, 429) },
        },
        delete: {
          operationId: 'deleteIntegration',
          summary: 'Delete an integration (platform records and sync logs stay; its grant is revoked at the provider)',
          tags: ['Integrations'],
          parameters: [idParam],
          responses: { '204': { description: 'Deleted' }, ...errors(400, 401, 403, 404, 429) },
        },
      },
      '/api/v1/integrations/{id}/sync': {
        post: {
          operationId: 'syncIntegration',
          summary: 'Queue a sync',
          tags: ['Integrations'],
          parameters: [idParam],
          requestBody: {
            required: false,
            content: {
              'application/json': {
                schema: { type: 'object', properties: { direction: { type: 'string', enum: ['pull', 'push', 'both'], default: 'both' }, mode: { type: 'string', enum: ['full', 'incremental'], default: 'incremental' } }, additionalProperties: false },
              },
            },
          },
          responses: {
            '202': { description: 'Queued (queued: false when a sync of it was already waiting)', content: { 'application/json': { schema: { type: 'object', properties: { queued: { type: 'boolean' }, integration: { $ref: '#/components/schemas/Integration' } } } } } },
            ...errors(400, 401, 403, 404, 409, 429),
          },
        },
      },
      '/api/v1/integrations/{id}/logs': {
        get: {
          operationId: 'listIntegrationSyncLogs',
          summary: 'Sync runs of an integration, newest first',
          tags: ['Integrations'],
          parameters: [idParam, ...[{ name: 'first', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }, { name: 'after', in: 'query', schema: { type: 'string' } }]],
          responses: { '200': json('A page of sync logs (nodes are SyncLog)', ref('Page')), ...errors(400, 401, 403, 404, 429) },
        },
      },
      '/api/v1/integrations/oauth/callback': {
        get: {
          operationId: 'completeIntegrationAuthorization',
          summary: 'OAuth 2.0 redirect of connectIntegration',
          description:
            "Where the provider sends the person's browser back after connectIntegration (GraphQL). The single-use `state` (10 minutes by default) names the connection; the code is exchanged at the provider's token endpoint and the tokens are stored sealed (AES-256-GCM). No API key is needed. Answers a short HTML page.",
          tags: ['Integrations'],
          security: [],
          parameters: [
            { name: 'state', in: 'query', required: true, schema: { type: 'string', maxLength: 200 } },
            { name: 'code', in: 'query', schema: { type: 'string', maxLength: 2048 } },
            { name: 'realmId', in: 'query', description: 'QuickBooks: the company connected.', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
            { name: 'error', in: 'query', description: 'The provider refused (e.g. access_denied).', schema: { type: 'string' } },
          ],
          responses: {
            '200': { description: 'Connected', content: { 'text/html': { schema: { type: 'string' } } } },
            '400': { description: 'Unknown, expired or used state; the provider refused; no code', content: { 'text/html': { schema: { type: 'string' } } } },
            '404': { description: 'The connection was deleted meanwhile', content: { 'text/html': { schema: { type: 'string' } } } },
            '409': { description: 'The connection belongs to another provider account', content: { 'text/html': { schema: { type: 'string' } } } },
            '502': { description: "The provider's token endpoint refused the code", content: { 'text/html': { schema: { type: 'string' } } } },
          },
        },
      },
      '/api/v1/files/{token}': {
        get: {
          operationId: 'downloadFile',
          summary: 'Follow an expiring download link',
          description: 'Links come from GraphQL (importTemplate, importErrorReport, exportDownload). The token is the credential; no API key is needed.',
          security: [],
          parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9A-Za-z]{40}$' } }],
          responses: {
            '200': { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
            ...errors(404),
          },
        },
      },
      ...scimOpenApiPaths(),
    },
  };
}
