import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { OrganizationRow } from './organizations.table.js';
import type { ProjectRow } from './projects.table.js';

@ObjectType({ description: 'A tenant: every record belongs to exactly one.' })
export class Organization {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  slug!: string;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

@ObjectType()
export class Project {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: "The organization's own project number." })
  code!: string;

  @Field(() => String, { description: 'active, on_hold, completed or archived.' })
  status!: string;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const ProjectConnection = connectionType(Project, 'ProjectConnection');
export type ProjectConnection = Connection<Project>;

@InputType()
export class CreateProjectInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  code!: string;
}

export function toOrganization(row: OrganizationRow): Organization {
  return { id: String(row.id), name: row.name, slug: row.slug, createdAt: row.createdAt };
}

export function toProject(row: ProjectRow): Project {
  return { id: String(row.id), name: row.name, code: row.code, status: row.status, createdAt: row.createdAt };
}
