import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { parseId } from '../../platform/graphql/ids.js';
import { toConnection, toPage } from '../../platform/graphql/pagination.js';
import { announceAudit } from '../audit/index.js';
import { getMember, listMembers, updateMember } from './members.service.js';
import { Member, MemberConnection, MembersArgs, toMember, UpdateMemberInput } from './members.types.js';

@Resolver()
export class MembersResolver {
  @Authorized('members:read')
  @Query(() => MemberConnection, { description: "The organization's members, newest first: people who sign in through the console, SSO or SCIM." })
  async members(@Args(() => MembersArgs) args: MembersArgs, @Ctx() ctx: GraphQLContext): Promise<MemberConnection> {
    const page = toPage(args);
    const rows = await listMembers(ctx.services.db, ctx.principal!.organizationId, page, { search: args.search, active: args.active, role: args.role });
    return toConnection(rows, page, toMember);
  }

  @Authorized('members:read')
  @Query(() => Member)
  async member(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Member> {
    return toMember(await getMember(ctx.services.db, ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('members:write')
  @Mutation(() => Member, { description: 'Changes a member\'s role, or deactivates / reactivates them. The last active owner stays one; SCIM-provisioned members are (de)activated by the identity provider.' })
  async updateMember(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateMemberInput) input: UpdateMemberInput, @Ctx() ctx: GraphQLContext): Promise<Member> {
    const { member, audit } = await updateMember(ctx.services.db, actorOf(ctx), ctx.principal!.organizationId, parseId(id), { role: input.role, active: input.active });
    audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toMember(member);
  }
}
