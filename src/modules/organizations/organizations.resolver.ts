import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { actorOf } from '../../platform/graphql/actor.js';
import { parseId } from '../../platform/graphql/ids.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { announceAudit } from '../audit/index.js';
import { createProject, getProject, listProjects } from './organizations.service.js';
import { CreateProjectInput, Project, ProjectConnection, toProject } from './organizations.types.js';

@Resolver()
export class ProjectsResolver {
  @Authorized('org:read')
  @Query(() => ProjectConnection, { description: "The organization's projects, newest first." })
  async projects(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: GraphQLContext): Promise<ProjectConnection> {
    const page = toPage(args);
    return toConnection(await listProjects(ctx.services.db, ctx.principal!.organizationId, page), page, toProject);
  }

  @Authorized('org:read')
  @Query(() => Project)
  async project(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Project> {
    return toProject(await getProject(ctx.services.db, ctx.principal!.organizationId, parseId(id)));
  }

  @Authorized('org:write')
  @Mutation(() => Project)
  async createProject(
    @Arg('input', () => CreateProjectInput) input: CreateProjectInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Project> {
    const { project, audit } = await createProject(ctx.services.db, actorOf(ctx), {
      organizationId: ctx.principal!.organizationId,
      name: input.name,
      code: input.code,
    });
    audit.forEach((event) => announceAudit(ctx.services.pubsub, event));
    return toProject(project);
  }
}
