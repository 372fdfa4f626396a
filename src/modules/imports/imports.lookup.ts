import { collationKey, isPrintableAscii } from '../../platform/db/collation.js';
import type { Db } from '../../platform/db/mysql.js';
import { entityDef, recordOwners, recordValues, type EntityType, type RecordScope } from '../records/index.js';
import { UniqueHashSet } from './validation/unique.hash-set.js';
import type { ReferenceLookup } from './validation/validation.engine.js';

/** As MariaDB's PAD SPACE collation compares: trailing spaces do not count (the set lower-cases ASCII itself). */
const padless = (value: string): string => value.replace(/ +$/, '');

/**
 * The values a scope's records hold in some unique fields, as of one moment, held as hashes
 * (UniqueHashSet: 12 to 34 bytes a value): a chunk's uniqueness check then asks the database
 * only about values that some record may hold, and an import into an empty or small scope asks
 * about none. Only printable-ASCII values are answered from here; MariaDB's collation also
 * equates accented letters with plain ones ("Café" = "Cafe"), so any other value is always
 * looked up, and a field whose records hold such values is not preloaded at all.
 *
 * What is written after the preload is not seen: the import's upsert refuses to touch a record
 * of another origin id (RecordUpsert's guard), and the runner then checks every value against
 * the database instead.
 */
export class PreloadedValues {
  private constructor(private readonly fields: ReadonlyMap<string, UniqueHashSet>) {}

  /**
   * Reads the scope's values of `fields`; a field is left out (its values are looked up as usual)
   * when the scope holds more than `maxValues` of them or any value beyond printable ASCII.
   */
  static async load(db: Db, type: EntityType, scope: RecordScope, fields: readonly string[], maxValues: number): Promise<PreloadedValues> {
    const sets = new Map<string, UniqueHashSet>();
    for (const field of fields) {
      const values = await recordValues(db, type, scope, field, maxValues);
      if (values === null || !values.every(isPrintableAscii)) continue;
      const set = new UniqueHashSet((text) => text);
      for (const value of values) set.firstRowOrAdd(padless(value), 1);
      sets.set(field, set);
    }
    return new PreloadedValues(sets);
  }

  /** Whether `field` was preloaded. */
  covers(field: string): boolean {
    return this.fields.has(field);
  }

  /** Of `values`, those some record may hold: all of them unless the field was preloaded. */
  mayHold(field: string, values: readonly string[]): string[] {
    const set = this.fields.get(field);
    if (!set) return [...values];
    return values.filter((value) => !isPrintableAscii(value) || set.has(padless(value)));
  }
}

/**
 * Which of `values` the database matched, and to what: `found` maps a returned value (the
 * record's spelling) to its owner, and MySQL matched each with some asked value under its
 * collation. Each asked value takes the returned value with its collation key; a returned value
 * no asked value claims (the collation equated them in a way collationKey does not, rare) is
 * settled by asking about each unclaimed value on its own.
 */
async function attribute(
  values: readonly string[],
  found: Map<string, string | null>,
  askOne: (value: string) => Promise<Map<string, string | null>>,
): Promise<Map<string, string | null>> {
  const byKey = new Map<string, string | null>();
  for (const [value, owner] of found) byKey.set(collationKey(value), owner);
  const result = new Map<string, string | null>();
  const claimed = new Set<string>();
  for (const value of values) {
    const key = collationKey(value);
    if (!byKey.has(key)) continue;
    result.set(value, byKey.get(key) ?? null);
    claimed.add(key);
  }
  if (claimed.size < byKey.size) {
    for (const value of values) {
      if (result.has(value)) continue;
      const [owner] = [...(await askOne(value)).values()];
      if (owner !== undefined) result.set(value, owner);
    }
  }
  return result;
}

/**
 * The validation engine's view of the database: references and unique values among the
 * records the import may see (its organization, and its project for project records).
 * `preloaded` answers, for the import's own entity, which unique values no record holds.
 */
export function recordLookup(db: Db, scope: RecordScope, preloaded?: { type: EntityType; values: PreloadedValues }): ReferenceLookup {
  const scopeFor = (entity: EntityType): RecordScope => (entityDef(entity).projectScoped ? scope : { ...scope, projectId: null });
  const ownersOf = async (entity: EntityType, field: string, values: readonly string[]) =>
    attribute(values, await recordOwners(db, entity, scopeFor(entity), field, values), (value) => recordOwners(db, entity, scopeFor(entity), field, [value]));
  return {
    async existing(entity, field, values) {
      // Reported in the caller's spelling of each value found.
      return new Set((await ownersOf(entity, field, values)).keys());
    },
    async owners(entity, field, values) {
      const asked = preloaded && preloaded.type === entity ? preloaded.values.mayHold(field, values) : values;
      return asked.length === 0 ? new Map() : ownersOf(entity, field, asked);
    },
  };
}
