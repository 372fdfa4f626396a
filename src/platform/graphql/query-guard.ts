import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getNamedType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination.js';

/**
 * Limits on what one operation may ask for: nesting depth, aliases, and an estimated cost.
 * Depth and aliases are checked statically as validation rules; cost needs the operation's
 * variables (a page size is often a variable), so it is computed once they are known.
 */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxComplexity: number;
}

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
      // Introspection (__schema, __type) nests deeply by design and is cheap: not guarded.
      if (selection.name.value.startsWith('__')) continue;
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
 */
export function operationComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number {
  const fragments = fragmentsOf(document);
  const root =
    operation.operation === OperationTypeNode.QUERY
      ? schema.getQueryType()
      : operation.operation === OperationTypeNode.MUTATION
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return 0;

  const costOf = (set: SelectionSetNode, parentType: GraphQLOutputType, seen: Set<string>): number => {
    const named = getNamedType(parentType);
    if (!isObjectType(named) && !isInterfaceType(named)) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        const fieldDef = named.getFields()[selection.name.value];
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
    }
    return total;
  };
  return costOf(operation.selectionSet, root, new Set());
}

/** Throws QUERY_TOO_COMPLEX when the operation's estimated cost is over the limit. */
export function assertComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  maxComplexity: number,
): void {
  const complexity = operationComplexity(schema, document, operation, variables);
  if (complexity > maxComplexity) {
    throw tooComplex(`Query complexity ${complexity} exceeds the limit of ${maxComplexity}`, {
      complexity,
      maxComplexity,
    });
  }
}
