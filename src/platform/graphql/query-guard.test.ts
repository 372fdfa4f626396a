import { buildSchema, getIntrospectionQuery, getOperationAST, graphqlSync, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { assertComplexity, assertQuerySize, depthAndAliasRules, INTROSPECTION_VALUES_PER_UNIT, operationComplexity, usesIntrospection } from './query-guard.js';

const schema = buildSchema(`
  type Query { node: Node, nodes(first: Int): NodeConnection, tags: [String!]! }
  type Node { id: ID!, child: Node, children(first: Int): NodeConnection }
  type NodeConnection { nodes: [Node!]! }
`);

function errorsFor(query: string, limits = { maxDepth: 3, maxAliases: 2 }) {
  return validate(schema, parse(query), [...specifiedRules, ...depthAndAliasRules(limits)]).map((e) => e.extensions['code'] ?? e.message);
}

function cost(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  return operationComplexity(schema, document, getOperationAST(document)!, variables);
}

describe('depth and alias rules', () => {
  it('accept a query within the limits', () => {
    expect(errorsFor('{ node { child { id } } }')).toEqual([]);
  });

  it('refuse a query nested too deep, also through fragments', () => {
    expect(errorsFor('{ node { child { child { id } } } }')).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errorsFor('{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { id } }')).toEqual([
      'QUERY_TOO_COMPLEX',
    ]);
  });

  it('refuse too many aliases', () => {
    expect(errorsFor('{ a: node { id } b: node { id } }')).toEqual([]);
    expect(errorsFor('{ a: node { id } b: node { id } c: node { id } }')).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('count introspection fields like any other: depth and aliases', () => {
    expect(errorsFor('{ __schema { types { name } } }')).toEqual([]);
    expect(errorsFor('{ __schema { types { fields { type { ofType { name } } } } } }')).toEqual(['QUERY_TOO_COMPLEX']);
    expect(errorsFor('{ a: __schema { types { name } } b: __schema { types { name } } c: __schema { types { name } } }')).toEqual([
      'QUERY_TOO_COMPLEX',
    ]);
    expect(errorsFor('{ __type(name: "Node") { fields { type { fields { name } } } } }')).toEqual(['QUERY_TOO_COMPLEX']);
  });
});

describe('complexity', () => {
  it('multiplies what a connection selects by its page size', () => {
    expect(cost('{ node { id } }')).toBe(2);
    expect(cost('{ nodes(first: 10) { nodes { id } } }')).toBe(1 + 10 * 2);
    expect(cost('query($n: Int) { nodes(first: $n) { nodes { id } } }', { n: 50 })).toBe(1 + 50 * 2);
    // Without `first` the default page size (20) counts; a page above the maximum counts as the maximum.
    expect(cost('{ nodes { nodes { id } } }')).toBe(1 + 20 * 2);
    expect(cost('{ nodes(first: 100000) { nodes { id } } }')).toBe(1 + 100 * 2);
  });

  it('compounds nested connections and counts plain lists once', () => {
    expect(cost('{ nodes(first: 10) { nodes { children(first: 10) { nodes { id } } } } }')).toBe(1 + 10 * (1 + 1 + 10 * 2));
    expect(cost('{ tags }')).toBe(1);
  });

  it('counts introspection by what it returns, a unit per INTROSPECTION_VALUES_PER_UNIT values', () => {
    const query = getIntrospectionQuery({ inputValueDeprecation: true, descriptions: true });
    const result = graphqlSync({ schema, source: query });
    expect(cost(query)).toBe(Math.ceil(valuesIn(result.data) / INTROSPECTION_VALUES_PER_UNIT));
    // Each alias returns the whole again.
    const twice = '{ a: __schema { types { name fields { name } } } b: __schema { types { name fields { name } } } }';
    const once = '{ __schema { types { name fields { name } } } }';
    expect(cost(twice)).toBe(2 * cost(once));
    expect(cost('query($n: String!) { __type(name: $n) { fields { name } } }', { n: 'Node' })).toBe(1); // 5 values
    expect(cost('{ __typename }')).toBe(1);
  });

  it('stops counting introspection at the limit, and refuses it', () => {
    // Each level of fields → type multiplies the answer; counted until it passes the limit.
    const nested = `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`;
    const document = parse(nested);
    expect(() => assertComplexity(schema, document, getOperationAST(document)!, {}, 2)).toThrow(/exceeds the limit of 2/);
  });

  it('throws QUERY_TOO_COMPLEX over the limit', () => {
    const document = parse('{ nodes(first: 100) { nodes { children(first: 100) { nodes { id } } } } }');
    expect(() => assertComplexity(schema, document, getOperationAST(document)!, {}, 5000)).toThrow(/exceeds the limit of 5000/);
  });
});

describe('introspection and document size', () => {
  it('tells operations that read the schema from the rest', () => {
    const uses = (query: string) => {
      const document = parse(query);
      return usesIntrospection(document, getOperationAST(document)!);
    };
    expect(uses('{ __schema { queryType { name } } }')).toBe(true);
    expect(uses('{ t: __type(name: "Node") { name } }')).toBe(true);
    expect(uses('{ ...F } fragment F on Query { __schema { types { name } } }')).toBe(true);
    expect(uses('{ __typename node { __typename id } }')).toBe(false);
  });

  it('refuses a document longer than the limit, counting bytes', () => {
    expect(() => assertQuerySize('{ node { id } }', 1024)).not.toThrow();
    expect(() => assertQuerySize(`{ node { id } } # ${'x'.repeat(2000)}`, 1024)).toThrow(/limit is 1024/);
    // 400 characters of 3 bytes each.
    expect(() => assertQuerySize(`# ${'€'.repeat(400)}\n{ node { id } }`, 1024)).toThrow(/is 1218 bytes/);
  });
});

function valuesIn(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + valuesIn(item), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((sum: number, item) => sum + 1 + valuesIn(item), 0);
  return 0;
}
