import type { Db } from '../../platform/db/mysql.js';
import { recordOwners, type RecordScope, entityDef, type EntityType } from '../records/index.js';
import type { ReferenceLookup } from './validation/validation.engine.js';

/**
 * The validation engine's view of the database: references and unique values among the
 * records the import may see (its organization, and its project for project records).
 */
export function recordLookup(db: Db, scope: RecordScope): ReferenceLookup {
  const scopeFor = (entity: EntityType): RecordScope => (entityDef(entity).projectScoped ? scope : { ...scope, projectId: null });
  return {
    async existing(entity, field, values) {
      const owners = await recordOwners(db, entity, scopeFor(entity), field, values);
      const found = new Set<string>();
      // MySQL compared case-insensitively; report the caller's spelling of each value found.
      const folded = new Set([...owners.keys()].map((v) => v.toLowerCase()));
      for (const value of values) if (folded.has(value.toLowerCase())) found.add(value);
      return found;
    },
    async owners(entity, field, values) {
      const owners = await recordOwners(db, entity, scopeFor(entity), field, values);
      const byFold = new Map([...owners].map(([v, o]) => [v.toLowerCase(), o]));
      const result = new Map<string, string | null>();
      for (const value of values) {
        const owner = byFold.get(value.toLowerCase());
        if (owner !== undefined) result.set(value, owner);
      }
      return result;
    },
  };
}
