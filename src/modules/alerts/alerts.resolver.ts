import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { parseId } from '../../platform/graphql/ids.js';
import { toConnection, toPage } from '../../platform/graphql/pagination.js';
import { announceAudit } from '../audit/index.js';
import { acknowledgeAlert, listAlerts } from './alerts.service.js';
import { Alert, AlertConnection, AlertsArgs, toAlert } from './alerts.types.js';

@Resolver()
export class AlertsResolver {
  @Authorized('org:read')
  @Query(() => AlertConnection, { description: "The organization's alerts, newest first." })
  async alerts(@Args(() => AlertsArgs) args: AlertsArgs, @Ctx() ctx: GraphQLContext): Promise<AlertConnection> {
    const page = toPage(args);
    const rows = await listAlerts(ctx.services.db, ctx.principal!.organizationId, page, { acknowledged: args.acknowledged ?? undefined });
    return toConnection(rows, page, toAlert);
  }

  @Authorized('org:write')
  @Mutation(() => Alert, { description: 'Marks an alert as seen; it stays listed with who acknowledged it.' })
  async acknowledgeAlert(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Alert> {
    const result = await acknowledgeAlert(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id));
    result.audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toAlert(result.alert);
  }
}
