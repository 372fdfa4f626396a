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
  /** Secrets a person may set on a connection (sealed, never returned), e.g. webhookVerifierToken. */
  credentialFields?: readonly string[];
  /** Present when the connector exchanges files (capabilities file_import / file_export). */
  files?: FileConnector;
  /** Present when the connector syncs over an API (capabilities pull / push / full / incremental). */
  sync?: SyncConnector<TConfig>;
}

/**
 * An OAuth 2.0 authorization-code provider (RFC 6749 §4.1), from configuration so that the same
 * code talks to the real provider or to a local simulator.
 */
export interface OAuthProviderSettings {
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl?: string | undefined;
  clientId: string;
  clientSecret: string;
  scopes: readonly string[];
  /** Send an S256 PKCE challenge (RFC 7636). */
  pkce: boolean;
  /** Query parameter of the redirect that names the provider account (QuickBooks: realmId). */
  accountParam?: string | undefined;
  timeoutMs: number;
}

/**
 * A remote object as the engine sees it: identity, version and the platform fields it maps to.
 * What the provider calls these is the connector's business; the engine stores them opaque.
 */
export interface RemoteObject {
  remoteId: string;
  /** Optimistic-concurrency version, opaque: a SyncToken, an ETag, a modified timestamp. Sent back with updates. */
  version: string | null;
  updatedAt: Date | null;
  /** Deleted remotely (a tombstone in a change feed). Inactive-but-present objects map to a status field instead. */
  deleted: boolean;
  /** The platform record fields (no originId), or null when deleted. */
  fields: Record<string, unknown> | null;
}

/** Platform-side lookups a mapping needs: another entity's remote id ↔ its local natural key. */
export interface SyncReferences {
  /** The local natural key (vendor code, invoice number) of a linked remote object, or null. */
  localKey(remoteEntity: string, remoteId: string): string | null;
  /** The remote id linked to the local record with this natural key, or null. */
  remoteId(remoteEntity: string, localKey: string): string | null;
}

/** One remote entity and the platform records it pairs with. Entities sync in the order listed. */
export interface SyncEntity<TConfig = unknown> {
  /** Remote name, e.g. Vendor. */
  remote: string;
  recordType: EntityType;
  /** Fixed field values of the records this entity covers, e.g. { kind: 'payable' }. */
  filter?: Readonly<Record<string, string>>;
  /**
   * The record field that is unique and identifies it to people (vendor code, invoice number): a
   * remote object whose key an unlinked record already has is linked to that record (adopted)
   * rather than duplicated. Absent: no adoption (payments).
   */
  naturalKey?: string;
  /** Field values that mark a record deleted remotely (vendors: inactive); absent: the record is removed. */
  deletedFields?: Readonly<Record<string, unknown>>;
  /** For record types shared by several entities (payments): whether this entity takes a local record. */
  owns?(fields: Record<string, unknown>, refs: SyncReferences): boolean;
  /** The fields compared between the sides (their hash says whether a side changed). */
  fields: readonly string[];
  /** Whether platform changes are written to the remote system. */
  push: boolean;
  /** Reads a raw remote object. */
  toRemoteObject(raw: Record<string, unknown>, refs: SyncReferences): RemoteObject;
  /** The remote body for a create (current undefined) or a full update of `current`. Throws RemoteError('validation') when the record cannot be expressed. */
  toRemote(fields: Record<string, unknown>, refs: SyncReferences, config: TConfig, current?: Record<string, unknown>): Record<string, unknown>;
}

/** What a connector's API calls need at run time. */
export interface SyncSession<TConfig = unknown> {
  connectionId: number;
  organizationId: number;
  /** The provider account (QuickBooks realmId). */
  account: string;
  config: TConfig;
  /** A valid access token; refreshed under a lock when it is about to expire, or when `force`. */
  accessToken(force?: boolean): Promise<string>;
  logger: Logger;
}

/**
 * A page of remote objects and the provider's clock when it answered (null when the answer does
 * not say). Cursors are taken from the provider's clock, never from ours nor from the newest
 * object seen: a company without changes still moves its cursor forward with every sync.
 */
export interface RemotePage {
  objects: Array<Record<string, unknown>>;
  asOf: Date | null;
}

/** Objects changed since a cursor, and the provider's clock when it answered: the next cursor. */
export interface RemoteChanges {
  changes: Map<string, Array<Record<string, unknown>>>;
  asOf: Date | null;
}

/** The remote API of a connector for one session. Every method may throw RemoteError. */
export interface RemoteApi {
  /** Every object of an entity, a page at a time; at least one page (empty when there are none), so the answer's time is known. */
  listAll(entity: string): AsyncIterable<RemotePage>;
  /** Objects of these entities changed since `since` (the provider's clock), or 'too_old' when `since` is beyond the provider's window. */
  changesSince(entities: readonly string[], since: Date): Promise<RemoteChanges | 'too_old'>;
  read(entity: string, id: string): Promise<Record<string, unknown> | null>;
  /** `idempotencyKey` names the change: a retry or a re-run with the same key is applied once. */
  create(entity: string, body: Record<string, unknown>, idempotencyKey: string): Promise<Record<string, unknown>>;
  /**
   * Writes `changes` (the entity's toRemote body) over the object `target` names, as a partial
   * update: fields not in `changes` stay. Throws RemoteError('stale') when `target.version` is no
   * longer the object's (the connector recognises its provider's way of saying so).
   */
  update(entity: string, target: RemoteTarget, changes: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Requests sent so far (retries included). */
  requestCount(): number;
}

/** The object an update is for, at the version the engine last saw. */
export interface RemoteTarget {
  remoteId: string;
  version: string | null;
}

export interface SyncConnector<TConfig = unknown> {
  oauth: OAuthProviderSettings;
  entities: readonly SyncEntity<TConfig>[];
  open(session: SyncSession<TConfig>): RemoteApi;
  /** The id of a raw object, when it has one (for the log of an object its mapping refused). */
  idOf(raw: Record<string, unknown>): string | null;
}

export type RemoteErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'server'
  | 'timeout'
  | 'network'
  | 'malformed'
  | 'stale'
  | 'validation'
  | 'not_found'
  | 'invalid_grant';

/** A failed exchange with the provider, with a message fit for the sync log (no tokens, no bodies). */
export class RemoteError extends Error {
  constructor(
    readonly kind: RemoteErrorKind,
    message: string,
    readonly details: { status?: number; providerCode?: string; element?: string; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'RemoteError';
  }

  /** Whether the same request may succeed later unchanged. */
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'server' || this.kind === 'timeout' || this.kind === 'network';
  }
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
