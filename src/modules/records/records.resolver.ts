import { Arg, Args, Authorized, Ctx, Field, ID, InputType, Query, Resolver } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import type { GraphQLContext } from '../../platform/graphql/context.js';
import { parseId } from '../../platform/graphql/ids.js';
import { PageArgs, toConnection, toPage } from '../../platform/graphql/pagination.js';
import { BadInputError, NotFoundError } from '../../platform/errors/app-error.js';
import { getProject } from '../organizations/index.js';
import { entityDef, ENTITY_TYPES, type EntityType } from './records.catalog.js';
import { getRecord, listRecords, type RecordScope } from './records.service.js';
import { GRAPHQL_NAMES, RECORD_GRAPHQL_TYPES, toRecordObject } from './records.types.js';

@InputType({ description: 'Narrows a list of records.' })
export class RecordFilterInput {
  @Field(() => String, { nullable: true, description: 'Text found in the code, name, number or description.' })
  search?: string | null;

  @Field(() => [String], { nullable: true, description: 'Only these origin ids (at most 100).' })
  originIds?: string[] | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Only records changed at or after this time (incremental sync).' })
  updatedSince?: Date | null;
}

/** The records a caller may see: its organization, and the named project for project records. */
export async function recordScope(ctx: GraphQLContext, type: EntityType, projectId: string | null | undefined): Promise<RecordScope> {
  const organizationId = ctx.principal!.organizationId;
  if (!entityDef(type).projectScoped) {
    if (projectId) throw new BadInputError(`${GRAPHQL_NAMES[type].list} belong to the organization, not to a project`, { argument: 'projectId' });
    return { organizationId, projectId: null };
  }
  if (!projectId) throw new BadInputError(`${GRAPHQL_NAMES[type].list} belong to a project: pass projectId`, { argument: 'projectId' });
  // Throws NOT_FOUND for a project of another organization.
  const project = await getProject(ctx.services.db, organizationId, parseId(projectId, 'projectId'));
  return { organizationId, projectId: project.id };
}

function createRecordResolver(type: EntityType) {
  const types = RECORD_GRAPHQL_TYPES[type];
  const names = GRAPHQL_NAMES[type];
  const def = entityDef(type);

  @Resolver()
  class RecordResolver {
    @Authorized('records:read')
    @Query(() => types.connection, { name: names.list, description: `The ${def.label} records, newest first.` })
    async list(
      @Args(() => PageArgs) pageArgs: PageArgs,
      @Arg('projectId', () => ID, { nullable: !def.projectScoped, description: def.projectScoped ? 'The project.' : 'Not used: organization records.' })
      projectId: string | null,
      @Arg('filter', () => RecordFilterInput, { nullable: true }) filter: RecordFilterInput | null,
      @Ctx() ctx: GraphQLContext,
    ): Promise<object> {
      const page = toPage(pageArgs);
      if ((filter?.originIds?.length ?? 0) > 100) throw new BadInputError('filter.originIds takes at most 100 ids', { argument: 'filter.originIds' });
      const scope = await recordScope(ctx, type, projectId);
      const rows = await listRecords(ctx.services.db, type, scope, page, filter ?? {});
      return toConnection(rows, page, toRecordObject);
    }

    @Authorized('records:read')
    @Query(() => types.object, { name: names.one, description: `One ${def.label} by id.` })
    async one(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<object> {
      const row = await getRecord(ctx.services.db, type, ctx.principal!.organizationId, parseId(id));
      if (!row) throw new NotFoundError(def.label, id);
      return toRecordObject(row);
    }
  }
  Object.defineProperty(RecordResolver, 'name', { value: `${types.object.name}Resolver` });
  return RecordResolver;
}

/** One resolver class per entity type. */
export const RECORD_RESOLVERS = ENTITY_TYPES.map(createRecordResolver);
