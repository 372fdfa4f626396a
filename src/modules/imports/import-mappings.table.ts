import { json, mysqlTable, uniqueIndex, varchar, char } from 'drizzle-orm/mysql-core';
import { createdAt, id, organizationId, updatedAt } from '../../platform/db/columns.js';

/** Column mappings people confirmed, offered again for the next file with the same headers. */
export const importMappings = mysqlTable(
  'import_mappings',
  {
    id: id(),
    organizationId: organizationId(),
    importType: varchar('import_type', { length: 100 }).notNull(),
    headerSignature: char('header_signature', { length: 64 }).notNull(),
    mapping: json('mapping').$type<Record<string, string | null>>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('uq_import_mappings').on(t.organizationId, t.importType, t.headerSignature)],
);
