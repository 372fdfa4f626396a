/*
 * The OAuth 2.0 endpoints in the OpenAPI document (modules/docs). Their errors have the
 * RFC 6749 shape ({ error, error_description }), not the REST shim's.
 */

export const oauthErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', examples: ['invalid_request', 'invalid_client', 'invalid_grant', 'invalid_scope', 'unauthorized_client', 'unsupported_grant_type'] },
    error_description: { type: 'string' },
  },
} as const;

const oauthError = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/OAuthError' } } } });
const form = (properties: Record<string, unknown>, required: string[]) => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required, properties } } },
});
const clientAuth =
  'Confidential clients authenticate with HTTP Basic (client_id:client_secret) or client_id + client_secret in the body; public clients send client_id only.';
const metadata = {
  '200': { description: 'Authorization server metadata (RFC 8414 / OpenID Connect Discovery); the issuer is PUBLIC_URL/oauth', content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } },
};

export function oauthOpenApiPaths(): Record<string, unknown> {
  return {
    '/oauth/authorize': {
      get: {
        operationId: 'oauthAuthorize',
        summary: 'OAuth 2.0 authorization endpoint (browser)',
        description:
          'Starts the authorization code flow: the person signs in (local account or the organization’s SSO) and consents on server-rendered pages, then the browser returns to redirect_uri with `code` and `state` (or `error`). PKCE with S256 is required for every client; redirect_uri must equal a registered one exactly; scope may only name scopes the client was granted (plus openid, offline_access).',
        tags: ['OAuth 2.0'],
        security: [],
        parameters: [
          { name: 'response_type', in: 'query', required: true, schema: { type: 'string', enum: ['code'] } },
          { name: 'client_id', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'redirect_uri', in: 'query', required: true, schema: { type: 'string', format: 'uri' } },
          { name: 'scope', in: 'query', required: true, schema: { type: 'string' }, description: 'Space-separated, e.g. `records:read org:read`' },
          { name: 'state', in: 'query', schema: { type: 'string' } },
          { name: 'code_challenge', in: 'query', required: true, schema: { type: 'string', minLength: 43, maxLength: 128 } },
          { name: 'code_challenge_method', in: 'query', required: true, schema: { type: 'string', enum: ['S256'] } },
        ],
        responses: {
          '303': { description: 'To the sign-in or consent page, or back to redirect_uri with code or error' },
          '400': { description: 'Unknown client or a redirect_uri that is not registered: an HTML error page, no redirect', content: { 'text/html': { schema: { type: 'string' } } } },
        },
      },
    },
    '/oauth/token': {
      post: {
        operationId: 'oauthToken',
        summary: 'OAuth 2.0 token endpoint',
        description: `Grants: authorization_code (with code_verifier), refresh_token (rotates: a refresh token works once, and presenting a used one revokes the whole grant), client_credentials (confidential clients; the token acts for the client’s organization). Access tokens are opaque; send them to /graphql as \`Authorization: Bearer …\`. ${clientAuth}`,
        tags: ['OAuth 2.0'],
        security: [],
        requestBody: form(
          {
            grant_type: { type: 'string', enum: ['authorization_code', 'refresh_token', 'client_credentials'] },
            code: { type: 'string' },
            redirect_uri: { type: 'string' },
            code_verifier: { type: 'string' },
            refresh_token: { type: 'string' },
            scope: { type: 'string' },
            client_id: { type: 'string' },
            client_secret: { type: 'string' },
          },
          ['grant_type'],
        ),
        responses: {
          '200': {
            description: 'Tokens',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['access_token', 'token_type', 'expires_in'],
                  properties: { access_token: { type: 'string' }, token_type: { type: 'string', enum: ['Bearer'] }, expires_in: { type: 'integer' }, refresh_token: { type: 'string' }, scope: { type: 'string' }, id_token: { type: 'string' } },
                },
              },
            },
          },
          '400': oauthError('invalid_request, invalid_grant (bad, used or expired code; PKCE mismatch; reused refresh token), invalid_scope, unauthorized_client'),
          '401': oauthError('invalid_client: unknown client or wrong secret'),
        },
      },
    },
    '/oauth/revoke': {
      post: {
        operationId: 'oauthRevoke',
        summary: 'OAuth 2.0 token revocation (RFC 7009)',
        description: `Revokes an access or refresh token of the calling client; /graphql refuses a revoked access token at once. ${clientAuth}`,
        tags: ['OAuth 2.0'],
        security: [],
        requestBody: form({ token: { type: 'string' }, token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] }, client_id: { type: 'string' }, client_secret: { type: 'string' } }, ['token']),
        responses: { '200': { description: 'Revoked (also for unknown tokens, as RFC 7009 asks)' }, '400': oauthError('invalid_request'), '401': oauthError('invalid_client') },
      },
    },
    '/oauth/introspect': {
      post: {
        operationId: 'oauthIntrospect',
        summary: 'OAuth 2.0 token introspection (RFC 7662)',
        description: `Whether a token of the calling client is active, with its scope, client_id, sub and expiry. Another client’s tokens read as inactive. ${clientAuth}`,
        tags: ['OAuth 2.0'],
        security: [],
        requestBody: form({ token: { type: 'string' }, token_type_hint: { type: 'string' }, client_id: { type: 'string' }, client_secret: { type: 'string' } }, ['token']),
        responses: {
          '200': { description: 'Introspection response', content: { 'application/json': { schema: { type: 'object', required: ['active'], properties: { active: { type: 'boolean' }, scope: { type: 'string' }, client_id: { type: 'string' }, sub: { type: 'string' }, exp: { type: 'integer' }, token_type: { type: 'string' } } } } } },
          '400': oauthError('invalid_request'),
          '401': oauthError('invalid_client'),
        },
      },
    },
    '/oauth/jwks': {
      get: {
        operationId: 'oauthJwks',
        summary: 'Public keys that sign ID tokens (JWKS)',
        tags: ['OAuth 2.0'],
        security: [],
        responses: { '200': { description: 'A JSON Web Key Set; the newest key signs, rotated-out keys stay listed for a day', content: { 'application/jwk-set+json': { schema: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object' } } } } } } } },
      },
    },
    '/.well-known/openid-configuration': {
      get: { operationId: 'openidConfiguration', summary: 'OpenID Connect discovery', tags: ['OAuth 2.0'], security: [], responses: metadata },
    },
    '/.well-known/oauth-authorization-server': {
      get: { operationId: 'oauthAuthorizationServerMetadata', summary: 'OAuth 2.0 authorization server metadata (RFC 8414)', tags: ['OAuth 2.0'], security: [], responses: metadata },
    },
  };
}
