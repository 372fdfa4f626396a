import { Arg, Args, Authorized, Ctx, ID, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { AUDIT_TOPIC, listAuditEvents } from './audit.service.js';
import { AuditEvent, AuditEventConnection, toAuditEvent } from './audit.types.js';
import type { AuditEventRow } from './audit-events.table.js';
import { AuthenticationError } from '../../platform/errors/app-error.js';

function requireOrganization(context: GraphQLContext): number {
  if (!context.principal) throw new AuthenticationError('MISSING', 'Authentication required');
  return context.principal.organizationId;
}

@Resolver()
export class AuditResolver {
  @Authorized('audit:read')
  @Query(() => AuditEventConnection, { description: "The organization's audit trail, newest first." })
  async auditEvents(
    @Args(() => PageArgs) pageArgs: PageArgs,
    @Arg('targetType', () => String, { nullable: true }) targetType: string | null,
    @Arg('targetId', () => ID, { nullable: true }) targetId: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuditEventConnection> {
    const principal = ctx.principal!;
    const page = toPage(pageArgs);
    const rows = await listAuditEvents(ctx.services.db, principal.organizationId, page, { targetType, targetId });
    return toConnection(rows, page, toAuditEvent);
  }

  @Authorized('audit:read')
  @Subscription(() => AuditEvent, {
    topics: AUDIT_TOPIC,
    // Never subscribe without an organization: an undefined id would mean every organization.
    topicId: ({ context }: { context: GraphQLContext }) => requireOrganization(context),
    description: 'Audit events of the organization as they happen.',
  })
  auditEventAdded(@Root() event: Omit<AuditEventRow, 'createdAt'> & { createdAt: string }): AuditEvent {
    return toAuditEvent({ ...event, createdAt: new Date(event.createdAt) });
  }
}
