/**
 * The SCIM 2.0 endpoints in the OpenAPI document (modules/docs), briefly: the resources and
 * their rules are RFC 7643 / 7644, and the service describes itself at /scim/v2/Schemas.
 */
const scimJson = (schema: Record<string, unknown>) => ({ 'application/scim+json': { schema } });
const resource = (name: string) => ({ type: 'object', description: `A SCIM ${name} resource (see GET /scim/v2/Schemas).`, additionalProperties: true });
const error = (description: string) => ({ description, content: scimJson({ $ref: '#/components/schemas/ScimError' }) });
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      error(
        {
          400: 'invalidFilter, invalidPath, invalidValue, invalidSyntax, mutability or noTarget (scimType)',
          401: 'No, unknown or revoked SCIM token',
          404: 'No such resource in the token’s organization',
          409: 'uniqueness: userName (or e-mail address, or group displayName) taken in the organization',
          412: 'If-Match does not name the current version',
          415: 'The body is not application/scim+json or application/json',
        }[status] ?? 'Error',
      ),
    ]),
  );
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } };
const ifMatch = { name: 'If-Match', in: 'header', schema: { type: 'string' }, description: 'An ETag (meta.version) the change applies to.' };
const listParams = [
  { name: 'filter', in: 'query', schema: { type: 'string' }, description: 'e.g. userName eq "a@b.c", externalId eq "…", emails[type eq "work"].value eq "…", displayName eq "…"; and / or / not.' },
  { name: 'startIndex', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
  { name: 'count', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 200, default: 200 } },
  { name: 'attributes', in: 'query', schema: { type: 'string' } },
  { name: 'excludedAttributes', in: 'query', schema: { type: 'string' } },
];
const patchBody = {
  required: true,
  content: scimJson({
    type: 'object',
    required: ['Operations'],
    properties: {
      schemas: { type: 'array', items: { const: 'urn:ietf:params:scim:api:messages:2.0:PatchOp' } },
      Operations: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', required: ['op'], properties: { op: { type: 'string', description: 'add, replace or remove (any case)' }, path: { type: 'string' }, value: {} } },
      },
    },
  }),
};
const listResponse = (name: string) => ({
  description: 'A ListResponse',
  content: scimJson({ type: 'object', properties: { totalResults: { type: 'integer' }, startIndex: { type: 'integer' }, itemsPerPage: { type: 'integer' }, Resources: { type: 'array', items: resource(name) } } }),
});

function collection(name: 'User' | 'Group', plural: 'Users' | 'Groups') {
  const one = { description: `The ${name}`, content: scimJson(resource(name)) };
  return {
    [`/scim/v2/${plural}`]: {
      get: { operationId: `scimList${plural}`, tags: ['SCIM'], summary: `List or filter ${plural}`, security: [{ scimToken: [] }], parameters: listParams, responses: { '200': listResponse(name), ...errors(400, 401) } },
      post: {
        operationId: `scimCreate${name}`,
        tags: ['SCIM'],
        summary: `Create a ${name}`,
        security: [{ scimToken: [] }],
        requestBody: { required: true, content: scimJson(resource(name)) },
        responses: { '201': { ...one, headers: { Location: { schema: { type: 'string' } }, ETag: { schema: { type: 'string' } } } }, ...errors(400, 401, 409, 415) },
      },
    },
    [`/scim/v2/${plural}/{id}`]: {
      get: { operationId: `scimGet${name}`, tags: ['SCIM'], summary: `One ${name}`, security: [{ scimToken: [] }], parameters: [idParam], responses: { '200': one, ...errors(401, 404) } },
      put: {
        operationId: `scimReplace${name}`,
        tags: ['SCIM'],
        summary: `Replace a ${name}`,
        security: [{ scimToken: [] }],
        parameters: [idParam, ifMatch],
        requestBody: { required: true, content: scimJson(resource(name)) },
        responses: { '200': one, ...errors(400, 401, 404, 409, 412, 415) },
      },
      patch: {
        operationId: `scimPatch${name}`,
        tags: ['SCIM'],
        summary: `Change a ${name} (RFC 7644 §3.5.2; Okta's path-less form and Entra ID's forms accepted)`,
        security: [{ scimToken: [] }],
        parameters: [idParam, ifMatch],
        requestBody: patchBody,
        responses: {
          ...(name === 'User' ? { '200': one } : { '204': { description: 'Changed (200 with the group when attributes or excludedAttributes is given)' } }),
          ...errors(400, 401, 404, 409, 412, 415),
        },
      },
      delete: {
        operationId: `scimDelete${name}`,
        tags: ['SCIM'],
        summary: name === 'User' ? 'Remove the user from the organization (its membership; the person’s account stays)' : 'Delete the group',
        security: [{ scimToken: [] }],
        parameters: [idParam, ifMatch],
        responses: { '204': { description: 'Deleted' }, ...errors(401, 404, 412) },
      },
    },
  };
}

const discovery = (path: string, operationId: string, summary: string) => ({
  [`/scim/v2/${path}`]: { get: { operationId, tags: ['SCIM'], summary, security: [], responses: { '200': { description: summary, content: scimJson({ type: 'object' }) } } } },
});

export function scimOpenApiPaths(): Record<string, unknown> {
  return {
    ...discovery('ServiceProviderConfig', 'scimServiceProviderConfig', 'What this SCIM service supports'),
    ...discovery('ResourceTypes', 'scimResourceTypes', 'The resource types (User, Group)'),
    ...discovery('Schemas', 'scimSchemas', 'The schemas (User, EnterpriseUser, Group) with every attribute'),
    ...collection('User', 'Users'),
    ...collection('Group', 'Groups'),
  };
}

export const scimOpenApiComponents = {
  securitySchemes: {
    scimToken: { type: 'http', scheme: 'bearer', description: 'A SCIM token of the organization (GraphQL createScimToken), trscim_…; not an API key.' },
  },
  schemas: {
    ScimError: {
      type: 'object',
      required: ['schemas', 'status'],
      properties: {
        schemas: { type: 'array', items: { const: 'urn:ietf:params:scim:api:messages:2.0:Error' } },
        status: { type: 'string', description: 'The HTTP status, as a string' },
        scimType: { type: 'string', enum: ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive'] },
        detail: { type: 'string' },
      },
    },
  },
};
