import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  defaultFieldResolver,
  getArgumentValues,
  getNamedType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type GraphQLField,
  type GraphQLResolveInfo,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { AppError } from '../errors/app-error.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.js';

/**
 * Limits on what one operation may ask for: nesting depth, aliases, and an estimated cost.
 * Depth and aliases are checked statically as validation rules; cost needs the operation's
 * variables (a page size is often a variable), so it is computed once they are known.
 * Introspection (`__schema`, `__type`) counts like any other field: its lists (types, fields,
 * arguments) are as long as the schema makes them, so an aliased or deeply nested introspection
 * query is as costly as what it returns.
 */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxComplexity: number;
  /** Most lexical tokens a document may hold: parsing stops there (graphql-js `maxTokens`). */
  maxTokens: number;
  /** Longest document (the `query` text), in bytes. */
  maxQueryBytes: number;
}

/**
 * Introspection results cost one unit per this many values: they are read from memory, not the
 * database. GraphiQL's full introspection query of this schema returns about 12,500 values
 * (2026-12), so it costs about 1,250 of the default 5,000.
 */
export const INTROSPECTION_VALUES_PER_UNIT = 10;

function tooComplex(message: string, extra: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', ...extra } });
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const map = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) map.set(def.name.value, def);
  return map;
}

/** Walks a selection set through fragments; `visit` sees each field with its depth. */
function walk(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  depth: number,
  visit: (field: FieldNode, depth: number) => void,
  seen: Set<string> = new Set(),
): void {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      visit(selection, depth);
      if (selection.selectionSet) walk(selection.selectionSet, fragments, depth + 1, visit, seen);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      walk(selection.selectionSet, fragments, depth, visit, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // A fragment cycle is reported by graphql's own NoFragmentCycles rule; stop here.
      if (!fragment || seen.has(name)) continue;
      walk(fragment.selectionSet, fragments, depth, visit, new Set([...seen, name]));
    }
  }
}

export function depthAndAliasRules(limits: Pick<QueryLimits, 'maxDepth' | 'maxAliases'>): ValidationRule[] {
  const rule: ValidationRule = (context) => ({
    OperationDefinition(operation) {
      const fragments = fragmentsOf(context.getDocument());
      let maxDepth = 0;
      let aliases = 0;
      walk(operation.selectionSet, fragments, 1, (field, depth) => {
        if (depth > maxDepth) maxDepth = depth;
        if (field.alias) aliases += 1;
      });
      if (maxDepth > limits.maxDepth) {
        context.reportError(
          tooComplex(`Query depth ${maxDepth} exceeds the limit of ${limits.maxDepth}`, { depth: maxDepth, maxDepth: limits.maxDepth }),
        );
      }
      if (aliases > limits.maxAliases) {
        context.reportError(
          tooComplex(`Query uses ${aliases} aliases; the limit is ${limits.maxAliases}`, { aliases, maxAliases: limits.maxAliases }),
        );
      }
    },
  });
  return [rule];
}

/** The page size a connection field asks for, capped at the largest page: larger ones are refused anyway. */
function pageSize(field: FieldNode, variables: Record<string, unknown>): number {
  return Math.min(MAX_PAGE_SIZE, Math.max(0, requestedPageSize(field, variables)));
}

function requestedPageSize(field: FieldNode, variables: Record<string, unknown>): number {
  const arg = field.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
  if (!arg) return DEFAULT_PAGE_SIZE;
  const value: ValueNode = arg.value;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === 'number' ? v : DEFAULT_PAGE_SIZE;
  }
  return DEFAULT_PAGE_SIZE;
}

/** A connection field: takes `first`. Every unbounded list of the API is one. */
function isPaginated(args: readonly { name: string }[]): boolean {
  return args.some((a) => a.name === 'first' || a.name === 'last');
}

/**
 * Estimated cost: each field costs 1; what a connection field selects is multiplied by its page
 * size (`first`, or the default page size when the query leaves it out). Lists without
 * pagination are small by construction (scopes, rate-limit windows) and count once.
 * Introspection fields cost what they return, counted exactly against the schema (a unit per
 * INTROSPECTION_VALUES_PER_UNIT values); the count stops once it passes `maxComplexity`, so a
 * query asking for millions of values costs no more than the limit to refuse.
 */
export function operationComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  maxComplexity = Number.MAX_SAFE_INTEGER,
): number {
  const fragments = fragmentsOf(document);
  const root =
    operation.operation === OperationTypeNode.QUERY
      ? schema.getQueryType()
      : operation.operation === OperationTypeNode.MUTATION
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return 0;
  const introspection = new IntrospectionCounter(schema, fragments, variables, (maxComplexity + 1) * INTROSPECTION_VALUES_PER_UNIT);

  const costOf = (set: SelectionSetNode, parentType: GraphQLOutputType, seen: Set<string>): number => {
    const named = getNamedType(parentType);
    if (!isObjectType(named) && !isInterfaceType(named)) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__schema' || name === '__type') {
          const values = introspection.countRoot(name === '__schema' ? SchemaMetaFieldDef : TypeMetaFieldDef, selection);
          total += Math.ceil(values / INTROSPECTION_VALUES_PER_UNIT);
          continue;
        }
        if (name === '__typename') {
          total += 1;
          continue;
        }
        const fieldDef = named.getFields()[name];
        if (!fieldDef) continue;
        let cost = 1;
        if (selection.selectionSet) {
          const inner = costOf(selection.selectionSet, fieldDef.type, seen);
          cost += inner * (isPaginated(fieldDef.args) ? pageSize(selection, variables) : 1);
        }
        total += cost;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? schema.getType(typeName) : named;
        if (type && (isObjectType(type) || isInterfaceType(type))) total += costOf(selection.selectionSet, type, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value);
        if (type && (isObjectType(type) || isInterfaceType(type))) {
          total += costOf(fragment.selectionSet, type, new Set([...seen, fragment.name.value]));
        }
      }
      if (total > maxComplexity) return total;
    }
    return total;
  };
  return costOf(operation.selectionSet, root, new Set());
}

/**
 * Counts the values an introspection selection returns, by running graphql-js's own
 * introspection resolvers over the schema without building the result (an estimate from list
 * sizes would be wildly off: types have from 1 to 150 fields). Counting stops at `budget`
 * values, so the work done is bounded however large the answer would be.
 */
class IntrospectionCounter {
  private counted = 0;
  // The introspection resolvers read only `schema` from the resolve info.
  private readonly info: GraphQLResolveInfo;

  constructor(
    schema: GraphQLSchema,
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
    private readonly budget: number,
  ) {
    this.info = { schema } as GraphQLResolveInfo;
  }

  /** Values returned by a root `__schema` or `__type` field (the field itself included). */
  countRoot(field: GraphQLField<unknown, unknown>, node: FieldNode): number {
    const before = this.counted;
    this.countField(field, node, undefined);
    return this.counted - before;
  }

  private countField(field: GraphQLField<unknown, unknown>, node: FieldNode, source: unknown): void {
    this.counted += 1;
    if (!node.selectionSet || this.counted > this.budget) return;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field, node, this.variables);
    } catch {
      return; // Bad arguments fail the operation when it runs; nothing to count.
    }
    const value: unknown = (field.resolve ?? defaultFieldResolver)(source, args, undefined, this.info);
    const type = getNamedType(field.type);
    if (!isObjectType(type)) return;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (item === null || item === undefined) continue;
      this.countSelections(node.selectionSet, type.getFields(), item, new Set());
      if (this.counted > this.budget) return;
    }
  }

  private countSelections(
    set: SelectionSetNode,
    fields: Record<string, GraphQLField<unknown, unknown>>,
    source: unknown,
    seen: Set<string>,
  ): void {
    for (const selection of set.selections) {
      if (this.counted > this.budget) return;
      if (selection.kind === Kind.FIELD) {
        const field = fields[selection.name.value];
        if (field) this.countField(field, selection, source);
        else this.counted += 1; // __typename
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        // Introspection types are object types: a valid type condition is the type itself.
        this.countSelections(selection.selectionSet, fields, source, seen);
      } else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        this.countSelections(fragment.selectionSet, fields, source, new Set([...seen, name]));
      }
    }
  }
}

/** Whether the operation reads the schema (`__schema` or `__type`; `__typename` is not introspection of the schema). */
export function usesIntrospection(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  let found = false;
  walk(operation.selectionSet, fragmentsOf(document), 1, (field, depth) => {
    if (depth === 1 && (field.name.value === '__schema' || field.name.value === '__type')) found = true;
  });
  return found;
}

/** Throws PAYLOAD_TOO_LARGE when the document text is longer than the limit; a long one is refused before it is parsed. */
export function assertQuerySize(query: unknown, maxQueryBytes: number): void {
  if (typeof query !== 'string' || query.length <= maxQueryBytes / 3) return;
  const bytes = Buffer.byteLength(query);
  if (bytes > maxQueryBytes) throw new AppError('PAYLOAD_TOO_LARGE', `The query document is ${bytes} bytes; the limit is ${maxQueryBytes}`, { context: { bytes, maxQueryBytes } });
}

/** Throws QUERY_TOO_COMPLEX when the operation's estimated cost is over the limit. */
export function assertComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  maxComplexity: number,
): void {
  const complexity = operationComplexity(schema, document, operation, variables, maxComplexity);
  if (complexity > maxComplexity) {
    throw tooComplex(`Query complexity ${complexity} exceeds the limit of ${maxComplexity}`, {
      complexity,
      maxComplexity,
    });
  }
}
