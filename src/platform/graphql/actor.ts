import type { GraphQLContext } from './context.js';

/** The audit actor of the current operation; requires an authenticated caller. */
export function actorOf(ctx: GraphQLContext): {
  type: 'api_key' | 'oauth_token' | 'user' | 'anonymous_insecure';
  id: string;
  requestId: string;
} {
  const principal = ctx.principal;
  if (!principal) throw new Error('actorOf called without a principal; guard the field with @Authorized');
  return { type: principal.kind, id: principal.id, requestId: ctx.requestId };
}
