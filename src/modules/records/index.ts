export { ENTITIES, ENTITY_TYPES, entityDef, isEntityType, type EntityDef, type EntityType, type FieldDef, type FieldType, type CrossFieldRule } from './records.catalog.js';
export { RECORD_TABLES, columnOf } from './records.tables.js';
export { upsertRecords, RecordUpsert, RecordOwnershipConflict, recordValues, recordIdsByOrigin, listRecords, recordsWhere, getRecord, recordOwners, type RecordScope, type RecordRow, type RecordFilter, type UpsertResult } from './records.service.js';
export { GRAPHQL_NAMES, RECORD_GRAPHQL_TYPES } from './records.types.js';
export { RECORD_RESOLVERS, recordScope } from './records.resolver.js';
export { RECORD_EVENTS, RECORD_CHANGES, recordEventName, recordEvent, recordEventsOfWrite, type RecordChange } from './records.events.js';
