import type { AuthCheckerFn } from 'type-graphql';
import { hasScope, isScope } from '../auth/scopes.js';
import { AuthenticationError, ForbiddenError } from '../errors/app-error.js';
import type { GraphQLContext } from './context.js';

/**
 * `@Authorized()` needs a caller; `@Authorized('keys:write')` needs that scope too (any one
 * of several listed). Throws typed errors instead of returning false, so the client learns
 * which scope is missing.
 */
export const authChecker: AuthCheckerFn<GraphQLContext, string> = ({ context }, required) => {
  const principal = context.principal;
  if (!principal) {
    throw new AuthenticationError(
      'MISSING',
      'Authentication required: send an API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"',
    );
  }
  if (required.length === 0) return true;
  if (required.some((scope) => isScope(scope) && hasScope(principal.scopes, scope))) return true;
  throw new ForbiddenError(`This operation requires the scope ${required.join(' or ')}`, {
    reason: 'INSUFFICIENT_SCOPE',
    requiredScopes: required,
  });
};
