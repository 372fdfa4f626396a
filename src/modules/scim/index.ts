export { scimTokens, type ScimTokenRow } from './scim-tokens.table.js';
export { scimGroups, type ScimGroupRow } from './scim-groups.table.js';
export { scimGroupMembers } from './scim-group-members.table.js';
export { ScimResolver } from './scim.resolver.js';
export { scimRouter, type ScimRouterDeps } from './scim.routes.js';
export { scimBaseUrl } from './scim.resources.js';
export { scimOpenApiComponents, scimOpenApiPaths } from './scim.openapi.js';
