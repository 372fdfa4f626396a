import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { getOrganization, toOrganization } from '../organizations/index.js';
import { Viewer } from './viewer.types.js';

@Resolver()
export class ViewerResolver {
  @Authorized()
  @Query(() => Viewer, { description: 'Who the request acts as. Needs a credential but no particular scope.' })
  async viewer(@Ctx() ctx: GraphQLContext): Promise<Viewer> {
    const principal = ctx.principal!;
    const organization = await getOrganization(ctx.services.db, principal.organizationId);
    return {
      organization: toOrganization(organization),
      principalType: principal.kind,
      principalId: principal.id,
      label: principal.label,
      scopes: [...principal.scopes],
      rateLimits: (ctx.rateLimit?.states ?? []).map((s) => ({
        name: s.rule.name,
        limit: s.rule.limit,
        windowSeconds: s.rule.windowSeconds,
        remaining: s.remaining,
        resetSeconds: s.resetSeconds,
      })),
    };
  }
}
