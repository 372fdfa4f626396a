import type { EntityDef } from '../../records/index.js';

/**
 * Suggests which catalog field each column of an uploaded file fills. The user confirms or
 * overrides the suggestion (validated by `validateMapping`), so the goal is a good first guess
 * that never maps a column to a field silently when two fields are equally plausible.
 */

export type MatchConfidence = 'exact' | 'alias' | 'fuzzy';

export interface HeaderSuggestion {
  /** The header as it appears in the file. */
  header: string;
  /** 0-based column of the header. */
  column: number;
  /** Field key, or null when nothing fits (or the fit is ambiguous). */
  field: string | null;
  confidence: MatchConfidence | null;
  /** 1 exact, 0.9 alias, below 0.8 fuzzy (less the more edits); 0 when unmapped. */
  score: number;
  /** Fields that fit this header equally well, when that is why it stayed unmapped. */
  ambiguousWith?: string[];
}

export interface MappingSuggestion {
  /** header → field key or null, ready for `validateMapping` and the validator. */
  mapping: Record<string, string | null>;
  /** One entry per column, in file order. */
  headers: HeaderSuggestion[];
  /** Headers (in file order) that map to no field; a header repeated in the file appears again. */
  unmappedHeaders: string[];
  /** Required field keys no header maps to. */
  missingRequired: string[];
}

/** Scores by kind; fuzzy scores stay below FUZZY_CEILING so any alias beats any typo. */
const EXACT_SCORE = 1;
const ALIAS_SCORE = 0.9;
const FUZZY_CEILING = 0.8;

/**
 * Abbreviations that exports use for the same word. Both headers and catalog strings go through
 * them, so "Bill No." meets the alias "bill number" and "% Complete" meets "percent complete".
 */
const SYNONYMS: ReadonlyMap<string, string> = new Map([
  ['#', 'number'],
  ['no', 'number'],
  ['nbr', 'number'],
  ['num', 'number'],
  ['%', 'percent'],
  ['pct', 'percent'],
  ['qty', 'quantity'],
  ['amt', 'amount'],
]);

/**
 * The comparable form of a header, label, key or alias: accents stripped, camelCase split,
 * abbreviations expanded, then lowercase letters and digits only. "Invoice #", "invoice_number",
 * "InvoiceNumber" and "INVOICE NO." all become "invoicenumber".
 */
export function normalizeHeader(text: string): string {
  const spaced = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    // Word boundaries hidden in camelCase ("vendorCode", "VendorID", "ERPId") become spaces
    // before lowercasing erases them.
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .replace(/[#%]/g, ' $& ')
    .toLowerCase();
  return spaced
    .split(/[^\p{L}\p{N}#%]+/u)
    .filter((token) => token !== '')
    .map((token) => SYNONYMS.get(token) ?? token)
    .join('');
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, each edit once):
 * "invioce" is one edit from "invoice". Gives up early, returning limit + 1, once the distance
 * is certain to exceed `limit`.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Edits a typo may contain, by the length of the shorter string: none up to 3 characters (one
 * edit turns "tax" into "tan"; short headers must match exactly), 1 up to 5, 2 up to 10, 3 beyond.
 */
export function fuzzyLimit(length: number): number {
  if (length <= 3) return 0;
  if (length <= 5) return 1;
  if (length <= 10) return 2;
  return 3;
}

/**
 * Whether two normalised strings are close enough to be the same name misspelt. A string that
 * merely adds two or more characters at either end of the other is another name, not a typo:
 * "vendor" is not "vendorid", "date" is not "duedate" (a trailing "s" still matches: "amounts").
 */
function fuzzyDistance(a: string, b: string): number | null {
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  const limit = fuzzyLimit(shorter.length);
  if (limit === 0) return null;
  if (longer.length - shorter.length >= 2 && (longer.startsWith(shorter) || longer.endsWith(shorter))) return null;
  const distance = editDistance(a, b, limit);
  return distance >= 1 && distance <= limit ? distance : null;
}

interface FieldNames {
  key: string;
  exact: readonly string[];
  aliases: readonly string[];
}

function fieldNames(entity: EntityDef): FieldNames[] {
  return entity.fields.map((field) => ({
    key: field.key,
    exact: [...new Set([normalizeHeader(field.label), normalizeHeader(field.key)])].filter((s) => s !== ''),
    aliases: [...new Set((field.aliases ?? []).map(normalizeHeader))].filter((s) => s !== ''),
  }));
}

interface Candidate {
  column: number;
  fieldIndex: number;
  confidence: MatchConfidence;
  score: number;
  /** Length of the normalised header: with equal scores, the more specific header wins. */
  specificity: number;
}

function bestCandidate(column: number, normalized: string, fieldIndex: number, names: FieldNames): Candidate | null {
  const base = { column, fieldIndex, specificity: normalized.length };
  if (names.exact.includes(normalized)) return { ...base, confidence: 'exact', score: EXACT_SCORE };
  if (names.aliases.includes(normalized)) return { ...base, confidence: 'alias', score: ALIAS_SCORE };
  let best: number | null = null;
  for (const name of [...names.exact, ...names.aliases]) {
    const distance = fuzzyDistance(normalized, name);
    if (distance === null) continue;
    const score = FUZZY_CEILING * (1 - distance / Math.max(normalized.length, name.length));
    if (best === null || score > best) best = score;
  }
  return best === null ? null : { ...base, confidence: 'fuzzy', score: Math.round(best * 1000) / 1000 };
}

/**
 * Assigns fields to headers greedily by score: each field goes to at most one header and each
 * header to at most one field. Ties between headers competing for one field go to the longer
 * (more specific) normalised header, then to the leftmost column; a header whose best score is
 * shared by two still-free fields stays unmapped rather than guess. A header that loses its best
 * field may still take its next candidate. Only the first column of a repeated header takes part:
 * a mapping is keyed by header text and cannot tell the copies apart.
 */
export function suggestMapping(entity: EntityDef, headers: string[]): MappingSuggestion {
  const names = fieldNames(entity);
  const firstColumn = new Map<string, number>();
  headers.forEach((header, column) => {
    if (!firstColumn.has(header)) firstColumn.set(header, column);
  });

  const candidates: Candidate[] = [];
  const byColumn = new Map<number, Candidate[]>();
  headers.forEach((header, column) => {
    if (firstColumn.get(header) !== column) return;
    const normalized = normalizeHeader(header);
    if (normalized === '') return;
    const own: Candidate[] = [];
    names.forEach((fieldName, fieldIndex) => {
      const candidate = bestCandidate(column, normalized, fieldIndex, fieldName);
      if (candidate) own.push(candidate);
    });
    byColumn.set(column, own);
    candidates.push(...own);
  });
  candidates.sort((a, b) => b.score - a.score || b.specificity - a.specificity || a.column - b.column || a.fieldIndex - b.fieldIndex);

  const assigned = new Map<number, Candidate>();
  const ambiguous = new Map<number, string[]>();
  const takenFields = new Set<number>();
  for (const candidate of candidates) {
    if (assigned.has(candidate.column) || ambiguous.has(candidate.column) || takenFields.has(candidate.fieldIndex)) continue;
    const rivals = (byColumn.get(candidate.column) ?? []).filter(
      (other) => other.fieldIndex !== candidate.fieldIndex && other.score === candidate.score && !takenFields.has(other.fieldIndex),
    );
    if (rivals.length > 0) {
      ambiguous.set(
        candidate.column,
        [candidate, ...rivals].map((c) => names[c.fieldIndex]!.key),
      );
      continue;
    }
    assigned.set(candidate.column, candidate);
    takenFields.add(candidate.fieldIndex);
  }

  const suggestions: HeaderSuggestion[] = headers.map((header, column) => {
    const match = assigned.get(column);
    const suggestion: HeaderSuggestion = match
      ? { header, column, field: names[match.fieldIndex]!.key, confidence: match.confidence, score: match.score }
      : { header, column, field: null, confidence: null, score: 0 };
    const tied = ambiguous.get(column);
    if (tied) suggestion.ambiguousWith = tied;
    return suggestion;
  });

  // Object.fromEntries defines own properties, so a header such as "__proto__" stays a key.
  const mapping: Record<string, string | null> = Object.fromEntries(
    suggestions.filter((s) => firstColumn.get(s.header) === s.column).map((s) => [s.header, s.field]),
  );
  const mappedFields = new Set(suggestions.map((s) => s.field).filter((f) => f !== null));
  return {
    mapping,
    headers: suggestions,
    unmappedHeaders: suggestions.filter((s) => s.field === null).map((s) => s.header),
    missingRequired: entity.fields.filter((f) => f.required && !mappedFields.has(f.key)).map((f) => f.key),
  };
}

/**
 * How well a row of cells names the entity's fields: the matched scores added up (1 exact, 0.9
 * alias, a fuzzy match less). Tells a table's header from title rows above it.
 */
export function headerFieldScore(entity: EntityDef, cells: string[]): number {
  return suggestMapping(entity, cells).headers.reduce((sum, h) => sum + h.score, 0);
}
