import { Arg, Args, Authorized, Ctx, ID, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { AUDIT_TOPIC, auditEventsAfter, latestAuditEventId, listAuditEvents } from './audit.service.js';
import { AuditEvent, AuditEventConnection, toAuditEvent } from './audit.types.js';
import type { AuditEventRow } from './audit-events.table.js';
import { AuthenticationError } from '../../platform/errors/app-error.js';
import { liveStream } from '../../platform/queue/pubsub.js';

/** An audit event as published: the row with its time as ISO text. */
type AuditPayload = Omit<AuditEventRow, 'createdAt'> & { createdAt: string };

const REPLAY_LIMIT = 1000;
const RECENT_IDS = 5000;

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
    description: 'Audit events of the organization as they happen.',
    subscribe: async ({ context }) => {
      const ctx = context as GraphQLContext;
      // Never subscribe without an organization: an undefined id would mean every organization.
      const organizationId = requireOrganization(ctx);
      const db = ctx.services.db;
      let watermark = await latestAuditEventId(db, organizationId);
      // Ids already sent, so an event both replayed and notified goes out once (bounded: the
      // newest RECENT_IDS are enough, as a replay covers at most REPLAY_LIMIT events).
      const sent = new Set<number>();
      // After the listener was down, the events recorded since the last one seen, from MariaDB.
      const resync = async (): Promise<AuditPayload[]> => {
        const rows = await auditEventsAfter(db, organizationId, watermark, REPLAY_LIMIT);
        watermark = rows.at(-1)?.id ?? watermark;
        return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
      };
      const live = ctx.services.pubsub.subscribe(AUDIT_TOPIC, organizationId, { resync }) ;
      await ctx.services.pubsub.ensureListening();
      return liveStream<AuditPayload>([], live, (event) => {
        if (sent.has(event.id)) return false;
        sent.add(event.id);
        if (sent.size > RECENT_IDS) sent.delete(sent.values().next().value!);
        watermark = Math.max(watermark, event.id);
        return true;
      });
    },
  })
  auditEventAdded(@Root() event: AuditPayload): AuditEvent {
    return toAuditEvent({ ...event, createdAt: new Date(event.createdAt) });
  }
}
