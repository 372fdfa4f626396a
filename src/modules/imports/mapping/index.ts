/** Column mapping of import files: suggestions from the catalog, and checks of user mappings. */
export { editDistance, fuzzyLimit, normalizeHeader, suggestMapping, type HeaderSuggestion, type MappingSuggestion, type MatchConfidence } from './mapping.match.js';
export {
  adaptSavedMapping,
  headerSignature,
  mappedColumns,
  mappedField,
  signatureForm,
  validateMapping,
  type HeaderMapping,
  type MappingProblem,
  type MappingProblemCode,
} from './mapping.apply.js';
