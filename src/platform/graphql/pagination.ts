import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { BadInputError } from '../errors/app-error.js';

/** Largest page any connection returns. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Items per page, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'endCursor of the previous page.' })
  after?: string | null;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** A page of nodes, the shape of every list the API returns. */
export interface Connection<T> {
  nodes: T[];
  pageInfo: PageInfo;
}

/**
 * The GraphQL type of a page of `node`s, named `name` (e.g. ProjectConnection): its nodes and
 * the PageInfo to ask for the next page. Use the constant as the type in resolvers and the
 * interface as the TypeScript type:
 *
 * ```ts
 * export const ProjectConnection = connectionType(Project, 'ProjectConnection');
 * export type ProjectConnection = Connection<Project>;
 * ```
 */
export function connectionType<T extends object>(node: abstract new () => T, name: string): new () => Connection<T> {
  @ObjectType(name)
  class PageOf implements Connection<T> {
    @Field(() => [node])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  // type-graphql keys some metadata by the class name; each connection gets its own.
  Object.defineProperty(PageOf, 'name', { value: name });
  return PageOf;
}

export interface Page {
  limit: number;
  /** Rows with an id below this come next (pages run newest first), or null for the first page. */
  beforeId: number | null;
}

/** Validates page arguments. Cursors are opaque to clients; here they wrap a row id. */
export function toPage(args: PageArgs): Page {
  const limit = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new BadInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, { argument: 'first', max: MAX_PAGE_SIZE });
  }
  if (args.after == null) return { limit, beforeId: null };
  const decoded = /^id:(\d{1,19})$/.exec(Buffer.from(args.after, 'base64url').toString('utf8'));
  const id = decoded ? Number(decoded[1]) : NaN;
  if (!Number.isSafeInteger(id)) throw new BadInputError('after is not a cursor returned by this API', { argument: 'after' });
  return { limit, beforeId: id };
}

export function cursorFor(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

/** Builds a page from up to limit + 1 rows fetched newest first. */
export function toConnection<R extends { id: number }, N>(
  rows: R[],
  page: Page,
  map: (row: R) => N,
): { nodes: N[]; pageInfo: PageInfo } {
  const hasNextPage = rows.length > page.limit;
  const kept = hasNextPage ? rows.slice(0, page.limit) : rows;
  const last = kept.at(-1);
  return { nodes: kept.map(map), pageInfo: { hasNextPage, endCursor: last ? cursorFor(last.id) : null } };
}
