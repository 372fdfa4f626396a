import { buildSchema, getOperationAST, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { assertComplexity, depthAndAliasRules, operationComplexity } from './query-guard.js';

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

  it('ignore introspection nesting', () => {
    expect(errorsFor('{ __schema { types { fields { type { ofType { name } } } } } }')).toEqual([]);
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

  it('throws QUERY_TOO_COMPLEX over the limit', () => {
    const document = parse('{ nodes(first: 100) { nodes { children(first: 100) { nodes { id } } } } }');
    expect(() => assertComplexity(schema, document, getOperationAST(document)!, {}, 5000)).toThrow(/exceeds the limit of 5000/);
  });
});
