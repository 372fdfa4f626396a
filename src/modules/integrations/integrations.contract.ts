import type { Readable } from 'node:stream';
import type { z } from 'zod';
import type { Db } from '../../platform/db/mysql.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { EntityType } from '../records/index.js';

/**
 * What every connector declares about itself. The registry lists these (`integrationTypes`), and
 * the sync engine and the file endpoints use only what a connector declares here.
 *
 * A connector is data plus functions, not a class hierarchy: `sync` for systems the platform talks
 * to over an API (QuickBooks), `files` for systems that exchange files (MS Project, Primavera P6).
 */
export type ConnectorCapability = 'pull' | 'push' | 'full' | 'incremental' | 'file_import' | 'file_export';

/** How a connection authenticates to the remote system. */
export type ConnectorAuthKind = 'oauth2' | 'api_key' | 'none';

export interface ConnectorDefinition<TConfig = unknown> {
  /** Stable identifier stored in integration_connections.integration_type, e.g. `quickbooks`. */
  type: string;
  /** Display name, e.g. "QuickBooks Online". */
  name: string;
  description: string;
  capabilities: readonly ConnectorCapability[];
  /** Platform records the connector reads or writes. */
  entityTypes: readonly EntityType[];
  auth: ConnectorAuthKind;
  /** Validates a connection's `config` when it is created or updated. */
  configSchema: z.ZodType<TConfig>;
  /** Present when the connector exchanges files (capabilities file_import / file_export). */
  files?: FileConnector;
  // The API-sync part (pull / push, OAuth settings) is declared by the sync framework.
}

/** A file format a file connector reads or writes. */
export interface FileFormat {
  /** Identifier used in the API, e.g. `MSPDI`, `XER`, `P6_XML`. */
  id: string;
  label: string;
  /** File name extensions, lower case without the dot, e.g. ['xml']. */
  extensions: readonly string[];
  mediaType: string;
}

/** Where a file import writes, and who asked. Every row written belongs to `organizationId`. */
export interface FileScope {
  db: Db;
  logger: Logger;
  organizationId: number;
  projectId: number;
  /** The connection the exchange runs under, when there is one. */
  connectionId?: number;
}

export interface FileImportSummary {
  /** Counts per record type, e.g. { schedule_task: { created: 10, updated: 2 } }. */
  counts: Partial<Record<EntityType, { created: number; updated: number; deleted: number }>>;
  /** Problems that did not stop the import (an unknown table skipped, an orphan link dropped). */
  warnings: string[];
}

export interface FileConnector {
  formats: readonly FileFormat[];
  /** Reads a whole file of `format` and writes it in one transaction: all of it or nothing. */
  importFile(scope: FileScope, format: string, input: Readable): Promise<FileImportSummary>;
  /** Writes the project's records as a file of `format` to a stream. */
  exportFile(scope: FileScope, format: string): Promise<Readable>;
}
