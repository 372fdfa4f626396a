import { invalidFilter } from './scim.errors.js';
import { resolveAttribute, type ResolvedAttribute, type ResourceTypeDef } from './scim.schema.js';

/**
 * SCIM filters (RFC 7644 §3.4.2.2): parsed into a tree, then evaluated against resources as
 * they are returned. Supports every comparison operator, `pr`, `and` / `or` / `not` with
 * parentheses, value paths (`emails[type eq "work" and primary eq true]`) and a value path
 * followed by a sub-attribute comparison (`emails[type eq "work"].value eq "…"`, as Entra ID sends).
 */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

export type Filter =
  | { kind: 'compare'; path: string; op: CompareOp; value: FilterValue }
  | { kind: 'present'; path: string }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  /** Some element of the multi-valued attribute `path` matches `filter` (paths inside are the element's). */
  | { kind: 'valuePath'; path: string; filter: Filter };

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const MAX_FILTER_LENGTH = 2000;

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: 'number'; value: number } | { kind: 'punct'; text: '(' | ')' | '[' | ']' };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')' || ch === '[' || ch === ']') {
      tokens.push({ kind: 'punct', text: ch });
      i += 1;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === '\\' ? 2 : 1;
      if (j >= input.length) throw invalidFilter('Unterminated string in filter');
      try {
        tokens.push({ kind: 'string', text: JSON.parse(input.slice(i, j + 1)) as string });
      } catch {
        throw invalidFilter('Bad escape in a filter string');
      }
      i = j + 1;
    } else {
      const match = /^[A-Za-z0-9_$:.+-]+/.exec(input.slice(i));
      if (!match) throw invalidFilter(`Unexpected character ${JSON.stringify(ch)} in filter`);
      const text = match[0];
      // After a value filter, ".value" arrives as a word of its own.
      if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) tokens.push({ kind: 'number', value: Number(text) });
      else tokens.push({ kind: 'word', text });
      i += text.length;
    }
  }
  return tokens;
}

const ATTR_PATH = /^(urn:[A-Za-z0-9.:_-]+:)?[A-Za-z$][\w$-]*(\.[A-Za-z$][\w$-]*)?$/;

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Filter {
    const filter = this.parseOr();
    if (this.pos < this.tokens.length) throw invalidFilter(`Unexpected ${this.describe(this.tokens[this.pos])} in filter`);
    return filter;
  }

  private describe(token: Token | undefined): string {
    if (!token) return 'end of filter';
    if (token.kind === 'number') return String(token.value);
    return JSON.stringify(token.text);
  }

  private peekWord(): string | undefined {
    const token = this.tokens[this.pos];
    return token?.kind === 'word' ? token.text.toLowerCase() : undefined;
  }

  private expectPunct(text: '(' | ')' | '[' | ']'): void {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'punct' || token.text !== text) throw invalidFilter(`Expected "${text}" but found ${this.describe(token)}`);
    this.pos += 1;
  }

  private parseOr(): Filter {
    let left = this.parseAnd();
    while (this.peekWord() === 'or') {
      this.pos += 1;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Filter {
    let left = this.parseUnary();
    while (this.peekWord() === 'and') {
      this.pos += 1;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Filter {
    const token = this.tokens[this.pos];
    if (token?.kind === 'punct' && token.text === '(') {
      this.pos += 1;
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    if (this.peekWord() === 'not') {
      const next = this.tokens[this.pos + 1];
      if (next?.kind === 'punct' && next.text === '(') {
        this.pos += 2;
        const inner = this.parseOr();
        this.expectPunct(')');
        return { kind: 'not', filter: inner };
      }
    }
    return this.parseAttributeExpression();
  }

  private parseAttributeExpression(): Filter {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'word' || !ATTR_PATH.test(token.text)) throw invalidFilter(`Expected an attribute name but found ${this.describe(token)}`);
    this.pos += 1;
    const path = token.text;
    const next = this.tokens[this.pos];
    if (next?.kind === 'punct' && next.text === '[') {
      if (path.includes('.') && !path.startsWith('urn:')) throw invalidFilter(`A value filter needs a multi-valued attribute, not ${path}`);
      this.pos += 1;
      const inner = this.parseOr();
      this.expectPunct(']');
      // emails[type eq "work"].value eq "…": the comparison applies to the same element.
      const after = this.tokens[this.pos];
      if (after?.kind === 'word' && /^\.[A-Za-z$][\w$-]*$/.test(after.text)) {
        this.pos += 1;
        const sub = this.parseComparison(after.text.slice(1));
        return { kind: 'valuePath', path, filter: { kind: 'and', left: inner, right: sub } };
      }
      return { kind: 'valuePath', path, filter: inner };
    }
    return this.parseComparison(path);
  }

  private parseComparison(path: string): Filter {
    const op = this.peekWord();
    if (op === 'pr') {
      this.pos += 1;
      return { kind: 'present', path };
    }
    if (!op || !COMPARE_OPS.has(op)) throw invalidFilter(`Expected an operator after ${path} but found ${this.describe(this.tokens[this.pos])}`);
    this.pos += 1;
    const token = this.tokens[this.pos];
    let value: FilterValue;
    if (token?.kind === 'string') value = token.text;
    else if (token?.kind === 'number') value = token.value;
    else if (token?.kind === 'word' && ['true', 'false', 'null'].includes(token.text.toLowerCase())) {
      const lower = token.text.toLowerCase();
      value = lower === 'null' ? null : lower === 'true';
    } else throw invalidFilter(`Expected a value after ${path} ${op} but found ${this.describe(token)} (strings are in double quotes)`);
    this.pos += 1;
    return { kind: 'compare', path, op: op as CompareOp, value };
  }
}

export function parseFilter(input: string): Filter {
  if (input.length > MAX_FILTER_LENGTH) throw invalidFilter(`Filters are limited to ${MAX_FILTER_LENGTH} characters`);
  if (!input.trim()) throw invalidFilter('The filter is empty');
  return new Parser(tokenize(input)).parse();
}

/** An attribute path of a filter with its canonical names and whether it compares case-sensitively. */
interface CanonicalPath {
  keys: string[];
  caseExact: boolean;
}

function canonical(type: ResourceTypeDef, path: string, within: string | null): CanonicalPath {
  if (!within && /^meta\.(created|lastModified|resourceType|version|location)$/i.test(path)) {
    const sub = path.slice(5).toLowerCase();
    const name = ['created', 'lastModified', 'resourceType', 'version', 'location'].find((n) => n.toLowerCase() === sub)!;
    return { keys: ['meta', name], caseExact: true };
  }
  const full = within ? `${within}.${path}` : path;
  const resolved = resolveAttribute(type, full);
  if (!resolved || resolved.def.returned === 'never') throw invalidFilter(`Unknown attribute ${full} in filter`);
  const keys = [...(resolved.extension ? [resolved.extension] : []), resolved.def.name, ...(resolved.sub ? [resolved.sub.name] : [])];
  return { keys, caseExact: (resolved.sub ?? resolved.def).caseExact };
}

/** Every value at `keys` in `node`, flattening multi-valued attributes; a complex value stands for its `value`. */
function valuesAt(node: unknown, keys: string[]): unknown[] {
  if (node === null || node === undefined) return [];
  if (Array.isArray(node)) return node.flatMap((item) => valuesAt(item, keys));
  if (keys.length === 0) {
    if (typeof node === 'object') return valuesAt((node as Record<string, unknown>)['value'], []);
    return [node];
  }
  if (typeof node !== 'object') return [];
  const [head, ...rest] = keys;
  return valuesAt((node as Record<string, unknown>)[head!], rest);
}

function compare(actual: unknown, op: CompareOp, expected: FilterValue, caseExact: boolean): boolean {
  if (expected === null) return op === 'eq' ? actual === null || actual === undefined : op === 'ne' ? actual !== null && actual !== undefined : false;
  if (typeof expected === 'boolean') {
    if (op !== 'eq' && op !== 'ne') throw invalidFilter(`${op} cannot compare booleans`);
    return typeof actual === 'boolean' && (op === 'eq' ? actual === expected : actual !== expected);
  }
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return op === 'ne';
    switch (op) {
      case 'eq': return actual === expected;
      case 'ne': return actual !== expected;
      case 'gt': return actual > expected;
      case 'ge': return actual >= expected;
      case 'lt': return actual < expected;
      case 'le': return actual <= expected;
      default: throw invalidFilter(`${op} cannot compare numbers`);
    }
  }
  if (typeof actual !== 'string') return op === 'ne';
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'eq': return a === e;
    case 'ne': return a !== e;
    case 'co': return a.includes(e);
    case 'sw': return a.startsWith(e);
    case 'ew': return a.endsWith(e);
    case 'gt': return a > e;
    case 'ge': return a >= e;
    case 'lt': return a < e;
    case 'le': return a <= e;
    default: {
      const never: never = op;
      throw invalidFilter(`Unknown operator ${String(never)}`);
    }
  }
}

/** The path that sub-attributes of a value filter's elements are resolved under. */
function elementPrefix(resolved: ResolvedAttribute): string {
  return resolved.extension ? `${resolved.extension}:${resolved.def.name}` : resolved.def.name;
}

/**
 * Checks every attribute name of a filter against the resource type, so a filter on an unknown
 * attribute fails at once (400 invalidFilter) rather than matching nothing.
 */
export function checkFilter(type: ResourceTypeDef, filter: Filter, within: string | null = null): void {
  switch (filter.kind) {
    case 'compare':
    case 'present':
      canonical(type, filter.path, within);
      return;
    case 'and':
    case 'or':
      checkFilter(type, filter.left, within);
      checkFilter(type, filter.right, within);
      return;
    case 'not':
      checkFilter(type, filter.filter, within);
      return;
    case 'valuePath': {
      if (within) throw invalidFilter('Value filters cannot be nested');
      canonical(type, filter.path, null);
      const resolved = resolveAttribute(type, filter.path);
      if (!resolved?.def.multiValued || !resolved.def.subAttributes || resolved.sub) throw invalidFilter(`${filter.path} is not a multi-valued complex attribute`);
      checkFilter(type, filter.filter, elementPrefix(resolved));
      return;
    }
    default: {
      const never: never = filter;
      throw new Error(`unknown filter ${String(never)}`);
    }
  }
}

/** Whether `resource` (as returned to clients) matches `filter`. */
export function matches(type: ResourceTypeDef, filter: Filter, resource: Record<string, unknown>, within: string | null = null): boolean {
  switch (filter.kind) {
    case 'compare': {
      const path = canonical(type, filter.path, within);
      const values = valuesAt(resource, within ? path.keys.slice(-1) : path.keys);
      if (filter.op === 'ne') return values.length === 0 || values.every((v) => compare(v, 'ne', filter.value, path.caseExact));
      if (values.length === 0) return compare(undefined, filter.op, filter.value, path.caseExact);
      return values.some((v) => compare(v, filter.op, filter.value, path.caseExact));
    }
    case 'present': {
      const path = canonical(type, filter.path, within);
      return valuesAt(resource, within ? path.keys.slice(-1) : path.keys).some((v) => v !== '' && v !== null && v !== undefined);
    }
    case 'and':
      return matches(type, filter.left, resource, within) && matches(type, filter.right, resource, within);
    case 'or':
      return matches(type, filter.left, resource, within) || matches(type, filter.right, resource, within);
    case 'not':
      return !matches(type, filter.filter, resource, within);
    case 'valuePath': {
      const path = canonical(type, filter.path, null);
      let node: unknown = resource;
      for (const key of path.keys) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
      const items = Array.isArray(node) ? node : [];
      const prefix = elementPrefix(resolveAttribute(type, filter.path)!);
      return items.some((item) => typeof item === 'object' && item !== null && matches(type, filter.filter, item as Record<string, unknown>, prefix));
    }
    default: {
      const never: never = filter;
      throw new Error(`unknown filter ${String(never)}`);
    }
  }
}

/**
 * Equality conditions on `attribute` that every match must satisfy (ANDed at the top), so a
 * store can narrow its query before `matches` decides: `userName eq "x" and active eq true` → "x".
 */
export function requiredEquality(filter: Filter, attribute: string): string | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq' && typeof filter.value === 'string' && filter.path.toLowerCase() === attribute.toLowerCase()) {
    return filter.value;
  }
  if (filter.kind === 'and') return requiredEquality(filter.left, attribute) ?? requiredEquality(filter.right, attribute);
  return undefined;
}
