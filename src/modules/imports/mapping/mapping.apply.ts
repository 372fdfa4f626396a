import { createHash } from 'node:crypto';
import type { EntityDef } from '../../records/index.js';

/**
 * A mapping is `{ [header as in the file]: field key | null }`. Users edit the suggestion, and
 * saved mappings are offered again for files with the same headers, so every mapping is checked
 * against the entity and the file before rows are read.
 */
export type HeaderMapping = Record<string, string | null>;

export type MappingProblemCode = 'UNKNOWN_FIELD' | 'FIELD_MAPPED_TWICE' | 'HEADER_NOT_IN_FILE' | 'REQUIRED_UNMAPPED' | 'DUPLICATE_HEADER';

export interface MappingProblem {
  code: MappingProblemCode;
  /** Errors make the mapping unusable (REQUIRED_UNMAPPED fails every row instead); warnings inform. */
  severity: 'error' | 'warning';
  message: string;
  header: string | null;
  field: string | null;
}

/** The mapping's value for `header`, reading own properties only ("constructor" is a header too). */
export function mappedField(mapping: HeaderMapping, header: string): string | null | undefined {
  return Object.hasOwn(mapping, header) ? mapping[header] : undefined;
}

/**
 * Everything wrong with a mapping, in a stable order (by header in mapping order, then by field
 * in catalog order):
 * - UNKNOWN_FIELD: a header maps to a key the entity does not have;
 * - HEADER_NOT_IN_FILE: the mapping names a header the file lacks (a saved mapping, another file);
 * - FIELD_MAPPED_TWICE: two headers fill one field;
 * - DUPLICATE_HEADER (warning): a mapped header appears in several columns; the first is read;
 * - REQUIRED_UNMAPPED: a required field has no column; every row would fail.
 */
export function validateMapping(entity: EntityDef, headers: readonly string[], mapping: HeaderMapping): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const fields = new Map(entity.fields.map((f) => [f.key, f]));
  const columns = new Map<string, number>();
  for (const header of headers) columns.set(header, (columns.get(header) ?? 0) + 1);
  const headersByField = new Map<string, string[]>();

  for (const [header, key] of Object.entries(mapping)) {
    if (key === null) continue;
    const field = fields.get(key);
    if (!field) {
      problems.push({ code: 'UNKNOWN_FIELD', severity: 'error', header, field: key, message: `"${header}" is mapped to "${key}", which is not a field of ${entity.label} records` });
      continue;
    }
    const count = columns.get(header) ?? 0;
    if (count === 0) {
      problems.push({ code: 'HEADER_NOT_IN_FILE', severity: 'error', header, field: key, message: `The file has no column "${header}" (mapped to ${field.label})` });
      continue;
    }
    if (count > 1) {
      problems.push({ code: 'DUPLICATE_HEADER', severity: 'warning', header, field: key, message: `The file has ${count} columns named "${header}"; only the first is imported as ${field.label}` });
    }
    const list = headersByField.get(key) ?? [];
    list.push(header);
    headersByField.set(key, list);
  }

  for (const field of entity.fields) {
    const mappedFrom = headersByField.get(field.key) ?? [];
    if (mappedFrom.length > 1) {
      problems.push({
        code: 'FIELD_MAPPED_TWICE',
        severity: 'error',
        header: mappedFrom[1]!,
        field: field.key,
        message: `${field.label} is mapped from several columns: ${mappedFrom.map((h) => `"${h}"`).join(', ')}`,
      });
    }
    if (field.required && mappedFrom.length === 0) {
      problems.push({ code: 'REQUIRED_UNMAPPED', severity: 'error', header: null, field: field.key, message: `${field.label} is required but no column is mapped to it` });
    }
  }
  return problems;
}

/**
 * Column index of each mapped field: the first column carrying the mapped header. Fields whose
 * header or key is invalid are left out; call `validateMapping` to learn why.
 */
export function mappedColumns(entity: EntityDef, headers: readonly string[], mapping: HeaderMapping): Map<string, number> {
  const keys = new Set(entity.fields.map((f) => f.key));
  const result = new Map<string, number>();
  for (const [header, key] of Object.entries(mapping)) {
    if (key === null || !keys.has(key) || result.has(key)) continue;
    const column = headers.indexOf(header);
    if (column >= 0) result.set(key, column);
  }
  return result;
}

/** How headers compare for signatures: Unicode-composed, trimmed, inner whitespace collapsed, lowercase. */
export function signatureForm(header: string): string {
  return header.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

/**
 * A stable fingerprint of a file's header row, to offer the mapping saved for an earlier file
 * with the same columns: SHA-256 (hex) of the sorted signature forms. Insensitive to column order,
 * case and whitespace; blank headers are left out (trailing empty spreadsheet columns come and
 * go); repeated headers count. Punctuation still matters ("Amount" and "Amount #" differ), since a
 * saved mapping must find every one of its headers. The "v1" prefix lets the scheme change later
 * without old signatures matching new ones by accident.
 */
export function headerSignature(headers: readonly string[]): string {
  const forms = headers
    .map(signatureForm)
    .filter((h) => h !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(`v1\n${JSON.stringify(forms)}`).digest('hex');
}

/**
 * A saved mapping re-keyed to this file's spelling of its headers (same signature, but perhaps
 * "VENDOR" where the saved file had "Vendor"). Saved headers with no counterpart are dropped, and
 * headers of the file the saved mapping does not mention map to null.
 */
export function adaptSavedMapping(saved: HeaderMapping, headers: readonly string[]): HeaderMapping {
  const byForm = new Map<string, string | null>();
  for (const [header, key] of Object.entries(saved)) {
    const form = signatureForm(header);
    if (!byForm.has(form)) byForm.set(form, key);
  }
  const entries: Array<[string, string | null]> = [];
  const seen = new Set<string>();
  const usedForms = new Set<string>();
  for (const header of headers) {
    if (seen.has(header)) continue;
    seen.add(header);
    // Two spellings of one header ("Vendor", "VENDOR") would fill the field twice: the first wins.
    const form = signatureForm(header);
    const key = usedForms.has(form) ? null : (byForm.get(form) ?? null);
    usedForms.add(form);
    entries.push([header, key]);
  }
  return Object.fromEntries(entries);
}
