/**
 * The QuickBooks Online query language, the subset Intuit documents ("Query operations and syntax"):
 * `SELECT * | COUNT(*) | f1, f2 FROM Entity [WHERE c AND c …] [ORDERBY f [ASC|DESC], …]
 * [STARTPOSITION n] [MAXRESULTS n]`; conditions `=, <, >, <=, >=, IN (…), LIKE '%x%'`; no OR, no joins.
 */

export type Literal = string | number | boolean;
export type Operator = '=' | '<' | '>' | '<=' | '>=' | 'IN' | 'LIKE';

export interface Condition {
  field: string;
  op: Operator;
  value: Literal | Literal[];
}

export interface OrderBy {
  field: string;
  desc: boolean;
}

export interface ParsedQuery {
  entity: string;
  count: boolean;
  /** Listed fields, or null for `*`. */
  fields: string[] | null;
  where: Condition[];
  orderBy: OrderBy[];
  /** 1-based. */
  startPosition: number;
  maxResults: number;
}

/** Intuit's default page when MAXRESULTS is absent, and the most it returns at once. */
export const DEFAULT_MAX_RESULTS = 100;
export const MAX_MAX_RESULTS = 1000;

/** A query Intuit would refuse: 4000 "Error parsing query" or 4001 "Invalid query". */
export class QueryError extends Error {
  constructor(
    readonly code: '4000' | '4001',
    readonly detail: string,
  ) {
    super(detail);
  }
}

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'symbol'; text: string; at: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const at = i;
    if (ch === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new QueryError('4000', `QueryParserError: unterminated string starting at column ${at + 1}`);
        const c = source[i]!;
        if (c === '\\' && i + 1 < source.length) {
          text += source[i + 1]!;
          i += 2;
          continue;
        }
        if (c === "'") {
          i++;
          break;
        }
        text += c;
        i++;
      }
      tokens.push({ kind: 'string', text, at });
      continue;
    }
    const number = /^-?\d+(?:\.\d+)?/.exec(source.slice(i));
    if (number && (ch !== '-' || tokens.at(-1)?.kind === 'symbol')) {
      tokens.push({ kind: 'number', value: Number(number[0]), text: number[0], at });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(source.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], at });
      i += word[0].length;
      continue;
    }
    const symbol = /^(<=|>=|<>|!=|[*(),=<>])/.exec(source.slice(i));
    if (symbol) {
      tokens.push({ kind: 'symbol', text: symbol[0], at });
      i += symbol[0].length;
      continue;
    }
    throw new QueryError('4000', `QueryParserError: Encountered "${ch}" at column ${at + 1}`);
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private fail(expected: string): never {
    const token = this.peek();
    const found = token ? `"${token.text}" at column ${token.at + 1}` : 'the end of the query';
    throw new QueryError('4000', `QueryParserError: Encountered ${found}. Was expecting ${expected}`);
  }

  private isKeyword(word: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text.toUpperCase() === word;
  }

  private keyword(word: string): void {
    if (!this.isKeyword(word)) this.fail(word);
    this.i++;
  }

  private isSymbol(text: string): boolean {
    const token = this.peek();
    return token?.kind === 'symbol' && token.text === text;
  }

  private symbol(text: string): void {
    if (!this.isSymbol(text)) this.fail(`"${text}"`);
    this.i++;
  }

  private identifier(what: string): string {
    const token = this.peek();
    if (token?.kind !== 'word') this.fail(what);
    this.i++;
    return token.text;
  }

  private integer(what: string): number {
    const token = this.peek();
    if (token?.kind !== 'number' || !Number.isInteger(token.value)) this.fail(what);
    this.i++;
    return token.value;
  }

  private literal(): Literal {
    const token = this.peek();
    if (token?.kind === 'string') {
      this.i++;
      return token.text;
    }
    if (token?.kind === 'number') {
      this.i++;
      return token.value;
    }
    if (token?.kind === 'word' && /^(true|false)$/i.test(token.text)) {
      this.i++;
      return token.text.toLowerCase() === 'true';
    }
    return this.fail('a value');
  }

  private condition(): Condition {
    const field = this.identifier('a property name');
    if (this.isKeyword('IN')) {
      this.i++;
      this.symbol('(');
      const values = [this.literal()];
      while (this.isSymbol(',')) {
        this.i++;
        values.push(this.literal());
      }
      this.symbol(')');
      return { field, op: 'IN', value: values };
    }
    if (this.isKeyword('LIKE')) {
      this.i++;
      const token = this.peek();
      if (token?.kind !== 'string') this.fail('a quoted pattern');
      this.i++;
      return { field, op: 'LIKE', value: token.text };
    }
    const token = this.peek();
    if (token?.kind === 'symbol' && (token.text === '!=' || token.text === '<>')) {
      throw new QueryError('4000', `QueryParserError: the operator ${token.text} is not supported`);
    }
    if (token?.kind !== 'symbol' || !['=', '<', '>', '<=', '>='].includes(token.text)) this.fail('one of =, <, >, <=, >=, IN, LIKE');
    this.i++;
    return { field, op: token.text as Operator, value: this.literal() };
  }

  parse(): ParsedQuery {
    this.keyword('SELECT');
    let count = false;
    let fields: string[] | null = null;
    if (this.isSymbol('*')) {
      this.i++;
    } else if (this.isKeyword('COUNT')) {
      this.i++;
      this.symbol('(');
      this.symbol('*');
      this.symbol(')');
      count = true;
    } else {
      fields = [this.identifier('*, COUNT(*) or a property name')];
      while (this.isSymbol(',')) {
        this.i++;
        fields.push(this.identifier('a property name'));
      }
    }
    this.keyword('FROM');
    const entity = this.identifier('an entity name');
    const where: Condition[] = [];
    if (this.isKeyword('WHERE')) {
      this.i++;
      where.push(this.condition());
      while (this.isKeyword('AND') || this.isKeyword('OR')) {
        if (this.isKeyword('OR')) throw new QueryError('4000', 'QueryParserError: OR is not supported; combine conditions with AND or use IN');
        this.i++;
        where.push(this.condition());
      }
    }
    const orderBy: OrderBy[] = [];
    if (this.isKeyword('ORDERBY') || this.isKeyword('ORDER')) {
      if (this.isKeyword('ORDER')) {
        this.i++;
        this.keyword('BY');
      } else {
        this.i++;
      }
      do {
        if (orderBy.length > 0) this.i++;
        const field = this.identifier('a property name');
        let desc = false;
        if (this.isKeyword('ASC')) this.i++;
        else if (this.isKeyword('DESC')) {
          this.i++;
          desc = true;
        }
        orderBy.push({ field, desc });
      } while (this.isSymbol(','));
    }
    let startPosition = 1;
    let maxResults = DEFAULT_MAX_RESULTS;
    for (let seen = 0; seen < 2; seen++) {
      if (this.isKeyword('STARTPOSITION')) {
        this.i++;
        startPosition = this.integer('a start position');
      } else if (this.isKeyword('MAXRESULTS')) {
        this.i++;
        maxResults = this.integer('a maximum number of results');
      }
    }
    if (this.peek()) this.fail('the end of the query');
    if (startPosition < 1) throw new QueryError('4001', 'QueryValidationError: STARTPOSITION must be 1 or more');
    if (maxResults < 1) throw new QueryError('4001', 'QueryValidationError: MAXRESULTS must be 1 or more');
    return { entity, count, fields, where, orderBy, startPosition, maxResults: Math.min(maxResults, MAX_MAX_RESULTS) };
  }
}

export function parseQuery(source: string): ParsedQuery {
  if (source.trim() === '') throw new QueryError('4000', 'QueryParserError: the query is empty');
  return new Parser(tokenize(source)).parse();
}

/** Looks a dotted path up case-insensitively; a reference object (`{ value, name }`) stands for its value. */
export function lookupPath(object: Record<string, unknown>, path: string): unknown {
  let current: unknown = object;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    const record = current as Record<string, unknown>;
    const key = segment in record ? segment : Object.keys(record).find((k) => k.toLowerCase() === segment.toLowerCase());
    current = key === undefined ? undefined : record[key];
  }
  if (current !== null && typeof current === 'object' && !Array.isArray(current) && 'value' in current) {
    return current.value;
  }
  return current;
}

const NUMERIC = /^-?\d+(?:\.\d+)?$/;
const DATEISH = /^\d{4}-\d{2}-\d{2}/;

/**
 * Compares a stored value with a literal: numbers numerically, date-times as instants, booleans by
 * value, strings case-insensitively. Null when they cannot be compared (no match).
 */
export function compareValues(actual: unknown, literal: Literal): number | null {
  if (actual === undefined || actual === null) return null;
  if (typeof actual === 'boolean') {
    const wanted = typeof literal === 'boolean' ? literal : String(literal).toLowerCase() === 'true';
    return actual === wanted ? 0 : actual ? 1 : -1;
  }
  if (typeof actual === 'number') {
    if (typeof literal === 'number') return Math.sign(actual - literal);
    if (typeof literal === 'string' && NUMERIC.test(literal)) return Math.sign(actual - Number(literal));
    if (typeof literal === 'string' && DATEISH.test(literal)) {
      const instant = Date.parse(literal);
      return Number.isNaN(instant) ? null : Math.sign(actual - instant);
    }
    return null;
  }
  if (typeof actual === 'string') {
    const text = String(literal);
    if (NUMERIC.test(actual) && NUMERIC.test(text)) return Math.sign(Number(actual) - Number(text));
    if (DATEISH.test(actual) && DATEISH.test(text)) {
      const a = Date.parse(actual);
      const b = Date.parse(text);
      if (!Number.isNaN(a) && !Number.isNaN(b)) return Math.sign(a - b);
    }
    const a = actual.toLowerCase();
    const b = text.toLowerCase();
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return null;
}

function likePattern(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

export type FieldReader<T> = (item: T, path: string) => unknown;

export function matchesAll<T>(item: T, where: Condition[], read: FieldReader<T>): boolean {
  for (const condition of where) {
    const actual = read(item, condition.field);
    switch (condition.op) {
      case 'IN': {
        const values = condition.value as Literal[];
        if (!values.some((v) => compareValues(actual, v) === 0)) return false;
        break;
      }
      case 'LIKE':
        if (typeof actual !== 'string' || !likePattern(String(condition.value)).test(actual)) return false;
        break;
      default: {
        const c = compareValues(actual, condition.value as Literal);
        if (c === null) return false;
        const ok =
          condition.op === '=' ? c === 0 : condition.op === '<' ? c < 0 : condition.op === '>' ? c > 0 : condition.op === '<=' ? c <= 0 : c >= 0;
        if (!ok) return false;
      }
    }
  }
  return true;
}

/** A value reduced to something directly comparable: numbers (also numeric strings and date-times), lower-case text. */
function sortKey(value: unknown): number | string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    if (NUMERIC.test(value)) return Number(value);
    if (DATEISH.test(value)) {
      const instant = Date.parse(value);
      if (!Number.isNaN(instant)) return instant;
    }
    return value.toLowerCase();
  }
  return JSON.stringify(value);
}

function compareKeys(a: number | string | null, b: number | string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Filters, sorts and pages; returns the page and the number of matches. */
export function runQuery<T>(
  items: Iterable<T>,
  query: ParsedQuery,
  read: FieldReader<T>,
  options: { inIdOrder?: boolean } = {},
): { page: T[]; total: number } {
  const matched: T[] = [];
  for (const item of items) if (matchesAll(item, query.where, read)) matched.push(item);
  const order = [...query.orderBy, { field: 'Id', desc: false }];
  // Items that already come in Id order need no sort when only Id (ascending) orders them.
  if (options.inIdOrder && order.every((o) => o.field.toLowerCase() === 'id' && !o.desc)) {
    const start = query.startPosition - 1;
    return { page: matched.slice(start, start + query.maxResults), total: matched.length };
  }
  const keyed = matched.map((item) => ({ item, keys: order.map(({ field }) => sortKey(read(item, field))) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < order.length; i++) {
      const c = compareKeys(x.keys[i]!, y.keys[i]!);
      if (c !== 0) return order[i]!.desc ? -c : c;
    }
    return 0;
  });
  const sorted = keyed.map((k) => k.item);
  const start = query.startPosition - 1;
  return { page: sorted.slice(start, start + query.maxResults), total: sorted.length };
}
