import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSONObject } from 'graphql-scalars';
import { PageArgs, connectionType, type Connection } from '../../platform/graphql/pagination.js';
import type { IntegrationConflictRow } from './integration-conflicts.table.js';
import type { IntegrationConnectionRow } from './integration-connections.table.js';
import type { IntegrationSyncLogRow } from './integration-sync-logs.table.js';
import type { SyncProgress } from './integrations.jobs.js';
import type { ConnectorDefinition } from './integrations.contract.js';
import { credentialNames } from './integrations.service.js';
import { effectiveSyncSettings } from './integrations.sync-settings.js';

export enum ConflictPolicyValue {
  PLATFORM_WINS = 'platform_wins',
  REMOTE_WINS = 'remote_wins',
  NEWEST_WINS = 'newest_wins',
  MANUAL = 'manual',
}
registerEnumType(ConflictPolicyValue, {
  name: 'ConflictPolicy',
  description: 'What a sync does with a record changed on both sides since the last sync.',
  valuesConfig: {
    PLATFORM_WINS: { description: 'The platform record is written over the remote object.' },
    REMOTE_WINS: { description: 'The remote object is written over the platform record.' },
    NEWEST_WINS: { description: 'The side changed last wins (platform updatedAt against the remote last-updated time).' },
    MANUAL: { description: 'Both sides are left alone and the conflict is recorded for a person (integrationConflicts).' },
  },
});

export enum IntegrationAuthStatus {
  NOT_CONNECTED = 'not_connected',
  CONNECTED = 'connected',
  NEEDS_REAUTHORIZATION = 'needs_reauthorization',
}
registerEnumType(IntegrationAuthStatus, {
  name: 'IntegrationAuthStatus',
  valuesConfig: { NEEDS_REAUTHORIZATION: { description: 'The provider refused the stored authorization (revoked or expired): run connectIntegration again.' } },
});

export enum SyncDirection {
  PULL = 'pull',
  PUSH = 'push',
  BOTH = 'both',
}
registerEnumType(SyncDirection, { name: 'SyncDirection', description: 'PULL: remote → platform; PUSH: platform → remote; BOTH: pull, then push.' });

export enum SyncMode {
  FULL = 'full',
  INCREMENTAL = 'incremental',
}
registerEnumType(SyncMode, { name: 'SyncMode', description: 'FULL reads everything; INCREMENTAL only what changed since the last sync (falls back to FULL when needed).' });

export enum EntitySyncDirection {
  BOTH = 'both',
  PULL = 'pull',
  PUSH = 'push',
  NONE = 'none',
}
registerEnumType(EntitySyncDirection, {
  name: 'EntitySyncDirection',
  description: 'Which way one remote entity syncs: BOTH, PULL (remote → platform), PUSH (platform → remote) or NONE (not synced).',
});

@ObjectType({ description: 'How one remote entity of a connection syncs (integration_connections.sync_settings, or the defaults).' })
export class EntitySyncSetting {
  @Field(() => String, { description: 'Remote entity, e.g. Vendor.' })
  entity!: string;

  @Field(() => String, { description: 'Platform record type it pairs with, e.g. vendors.' })
  recordType!: string;

  @Field(() => EntitySyncDirection, { description: 'Default: BOTH when the connector can write the entity, else PULL.' })
  direction!: EntitySyncDirection;

  @Field(() => ConflictPolicyValue, { nullable: true, description: 'The entity’s own conflict policy; null: the connection’s conflictPolicy.' })
  conflictPolicy!: ConflictPolicyValue | null;

  @Field(() => Boolean, { description: 'Whether the connector can write this entity (PUSH and BOTH need it).' })
  canPush!: boolean;
}

@InputType({ description: 'The setting of one remote entity; it replaces that entity’s setting, the others stay.' })
export class EntitySyncSettingInput {
  @Field(() => String, { description: 'A remote entity of the connector, e.g. Vendor (Integration.entitySettings lists them).' })
  entity!: string;

  @Field(() => EntitySyncDirection)
  direction!: EntitySyncDirection;

  @Field(() => ConflictPolicyValue, { nullable: true, description: 'Omitted or null: the connection’s conflictPolicy.' })
  conflictPolicy?: ConflictPolicyValue | null;
}

export enum ConflictSide {
  PLATFORM = 'platform',
  REMOTE = 'remote',
}
registerEnumType(ConflictSide, { name: 'ConflictSide' });

export enum ConflictStatus {
  OPEN = 'open',
  RESOLVED = 'resolved',
}
registerEnumType(ConflictStatus, { name: 'ConflictStatus' });

@ObjectType({ description: 'A kind of integration this server offers, with what it can do.' })
export class IntegrationType {
  @Field(() => String, { description: 'e.g. quickbooks' })
  type!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => [String], { description: 'pull, push, full, incremental, file_import, file_export.' })
  capabilities!: string[];

  @Field(() => [String], { description: 'Platform record types it reads or writes.' })
  entityTypes!: string[];

  @Field(() => String, { description: 'oauth2, api_key or none.' })
  auth!: string;

  @Field(() => GraphQLJSONObject, { description: 'JSON Schema of a connection’s config.' })
  configSchema!: Record<string, unknown>;

  @Field(() => [String], { description: 'Secrets a connection may be given in credentials (never returned).' })
  credentialFields!: string[];
}

@ObjectType({ description: 'A connection of the organization to an external system. Its credentials are stored sealed and never returned.' })
export class Integration {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  type!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true, description: 'The project its project records (invoices, payments) belong to.' })
  projectId!: string | null;

  @Field(() => GraphQLJSONObject)
  config!: Record<string, unknown>;

  @Field(() => ConflictPolicyValue)
  conflictPolicy!: ConflictPolicyValue;

  @Field(() => Boolean)
  isActive!: boolean;

  @Field(() => IntegrationAuthStatus)
  authStatus!: IntegrationAuthStatus;

  @Field(() => String, { nullable: true, description: 'The provider account connected (QuickBooks realmId).' })
  externalAccountId!: string | null;

  @Field(() => [String], { description: 'Names of the credentials held (accessToken, refreshToken, webhookVerifierToken…), never their values.' })
  credentialsSet!: string[];

  @Field(() => GraphQLDateTime, { nullable: true })
  lastSyncAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'success, partial (some records failed) or failed.' })
  lastSyncStatus!: string | null;

  @Field(() => Int, { description: 'Failed syncs since the last one that completed.' })
  consecutiveFailures!: number;

  @Field(() => Int, { nullable: true, description: 'Minutes between scheduled incremental syncs (pull, then push); null when it syncs only when asked.' })
  syncIntervalMinutes!: number | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the next scheduled sync is queued (within a minute of it), if the connection is then active and connected.' })
  nextSyncAt!: Date | null;

  @Field(() => [EntitySyncSetting], { description: 'Each remote entity the connector syncs, with its direction and conflict policy; empty for file connectors.' })
  entitySettings!: EntitySyncSetting[];

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

export function toIntegration(row: IntegrationConnectionRow, connector: ConnectorDefinition<unknown> | undefined): Integration {
  return {
    id: String(row.id),
    type: row.integrationType,
    name: row.name,
    projectId: row.projectId === null ? null : String(row.projectId),
    config: row.config ?? {},
    conflictPolicy: row.conflictPolicy as ConflictPolicyValue,
    isActive: row.isActive,
    authStatus: row.authStatus as IntegrationAuthStatus,
    externalAccountId: row.externalAccountId,
    credentialsSet: credentialNames(row),
    lastSyncAt: row.lastSyncAt,
    lastSyncStatus: row.lastSyncStatus,
    consecutiveFailures: row.consecutiveFailures,
    syncIntervalMinutes: row.syncIntervalMinutes,
    nextSyncAt: row.nextSyncAt,
    entitySettings: effectiveSyncSettings(connector, row.syncSettings).map((s) => ({
      ...s,
      direction: s.direction as EntitySyncDirection,
      conflictPolicy: s.conflictPolicy as ConflictPolicyValue | null,
    })),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export const IntegrationConnection = connectionType(Integration, 'IntegrationConnection');
export type IntegrationConnection = Connection<Integration>;

@ObjectType({ description: 'One line of a sync log: an error, or a decision the sync took (a conflict settled, a fallback).' })
export class SyncLogEntry {
  @Field(() => String, { description: 'error or info.' })
  level!: string;

  @Field(() => String, { description: 'e.g. validation, rate_limited, conflict_resolved, conflict_recorded.' })
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true, description: 'Remote entity, e.g. Vendor.' })
  entity!: string | null;

  @Field(() => String, { nullable: true })
  remoteId!: string | null;

  @Field(() => ID, { nullable: true, description: 'Id of the platform record.' })
  localId!: string | null;
}

@ObjectType({ description: 'One sync run of a connection.' })
export class SyncLog {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  integrationId!: string;

  @Field(() => SyncDirection)
  direction!: SyncDirection;

  @Field(() => SyncMode)
  mode!: SyncMode;

  @Field(() => String, { description: 'api, webhook, conflict_resolution or schedule.' })
  trigger!: string;

  @Field(() => String, { description: 'running, completed or failed.' })
  status!: string;

  @Field(() => GraphQLDateTime)
  startedAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true })
  completedAt!: Date | null;

  @Field(() => Int)
  recordsProcessed!: number;

  @Field(() => Int)
  recordsCreated!: number;

  @Field(() => Int)
  recordsUpdated!: number;

  @Field(() => Int)
  recordsDeleted!: number;

  @Field(() => Int)
  recordsFailed!: number;

  @Field(() => Int, { description: 'Records changed on both sides (settled by the policy or recorded).' })
  conflicts!: number;

  @Field(() => Int, { description: 'Requests sent to the provider, retries included.' })
  requestCount!: number;

  @Field(() => [SyncLogEntry])
  entries!: SyncLogEntry[];
}

export function toSyncLog(row: IntegrationSyncLogRow): SyncLog {
  return {
    id: String(row.id),
    integrationId: String(row.connectionId),
    direction: row.direction as SyncDirection,
    mode: (row.syncType === 'incremental' ? 'incremental' : 'full') as SyncMode,
    trigger: row.trigger,
    status: row.status,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    recordsProcessed: row.recordsProcessed,
    recordsCreated: row.recordsCreated,
    recordsUpdated: row.recordsUpdated,
    recordsDeleted: row.recordsDeleted,
    recordsFailed: row.recordsFailed,
    conflicts: row.conflicts,
    requestCount: row.requestCount,
    entries: (row.errorLog ?? []).map((e) => ({
      level: e.level ?? 'error',
      code: e.code,
      message: e.message,
      entity: e.entity ?? null,
      remoteId: e.remoteId ?? null,
      localId: e.localId === undefined ? null : String(e.localId),
    })),
  };
}

export const SyncLogConnection = connectionType(SyncLog, 'SyncLogConnection');
export type SyncLogConnection = Connection<SyncLog>;

@ObjectType({ description: 'A record changed on both sides of a MANUAL connection, with both versions.' })
export class IntegrationConflict {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  integrationId!: string;

  @Field(() => String, { description: 'Remote entity, e.g. Vendor.' })
  entityType!: string;

  @Field(() => String, { description: 'Platform record type, e.g. vendors.' })
  recordType!: string;

  @Field(() => ID)
  localId!: string;

  @Field(() => String)
  remoteId!: string;

  @Field(() => GraphQLJSONObject, { description: 'The platform version of the shared fields.' })
  platformData!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { description: 'The remote version of the shared fields.' })
  remoteData!: Record<string, unknown>;

  @Field(() => ConflictStatus)
  status!: ConflictStatus;

  @Field(() => ConflictSide, { nullable: true })
  resolution!: ConflictSide | null;

  @Field(() => String, { nullable: true })
  resolvedBy!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  resolvedAt!: Date | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export function toConflict(row: IntegrationConflictRow): IntegrationConflict {
  return {
    id: String(row.id),
    integrationId: String(row.connectionId),
    entityType: row.entityType,
    recordType: row.recordType,
    localId: String(row.localId),
    remoteId: row.remoteId,
    platformData: row.localData,
    remoteData: row.remoteData,
    status: row.status as ConflictStatus,
    resolution: (row.resolution as ConflictSide | null) ?? null,
    resolvedBy: row.resolvedBy,
    resolvedAt: row.resolvedAt,
    createdAt: row.createdAt,
  };
}

export const IntegrationConflictConnection = connectionType(IntegrationConflict, 'IntegrationConflictConnection');
export type IntegrationConflictConnection = Connection<IntegrationConflict>;

@ObjectType({ description: 'Where the authorization of a connection starts.' })
export class ConnectIntegrationPayload {
  @Field(() => String, { description: "Send the person's browser here; the provider comes back to /api/v1/integrations/oauth/callback." })
  authorizeUrl!: string;

  @Field(() => GraphQLDateTime, { description: 'The authorization must finish before this.' })
  expiresAt!: Date;
}

@ObjectType()
export class SyncIntegrationPayload {
  @Field(() => Integration)
  integration!: Integration;

  @Field(() => Boolean, { description: 'false: a sync of this connection was already waiting; it will take the same changes.' })
  queued!: boolean;
}

@ObjectType({ description: 'Progress of a connection’s sync, from any worker.' })
export class SyncProgressEvent {
  @Field(() => ID)
  integrationId!: string;

  @Field(() => ID, { nullable: true })
  syncLogId!: string | null;

  @Field(() => String, { description: 'running, completed, failed, or idle (no sync yet).' })
  status!: string;

  @Field(() => String, { nullable: true, description: 'pull or push.' })
  phase!: string | null;

  @Field(() => String, { nullable: true, description: 'The remote entity being synced.' })
  entity!: string | null;

  @Field(() => Int)
  processed!: number;

  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int)
  deleted!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  conflicts!: number;

  @Field(() => String, { nullable: true })
  error!: string | null;
}

export function toProgressEvent(progress: SyncProgress): SyncProgressEvent {
  const { connectionId, ...rest } = progress;
  return { integrationId: connectionId, ...rest };
}

@InputType()
export class CreateIntegrationInput {
  @Field(() => String, { description: 'An integration type (integrationTypes), e.g. quickbooks.' })
  type!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true, description: 'Project whose invoices and payments it syncs.' })
  projectId?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Checked against the type’s configSchema.' })
  config?: Record<string, unknown> | null;

  @Field(() => ConflictPolicyValue, { nullable: true, description: 'Default NEWEST_WINS.' })
  conflictPolicy?: ConflictPolicyValue | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Secrets named in the type’s credentialFields (e.g. webhookVerifierToken); stored sealed, never returned.' })
  credentials?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true, description: 'Minutes between scheduled syncs, 5 to 10080 (a week); 0 or omitted: only when asked.' })
  syncIntervalMinutes?: number | null;

  @Field(() => [EntitySyncSettingInput], { nullable: true, description: 'Per-entity direction and conflict policy; entities left out keep the defaults.' })
  entitySettings?: EntitySyncSettingInput[] | null;
}

@InputType()
export class UpdateIntegrationInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => ID, { nullable: true, description: 'A project id; "0" detaches the connection from its project.' })
  projectId?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Replaces the config.' })
  config?: Record<string, unknown> | null;

  @Field(() => ConflictPolicyValue, { nullable: true })
  conflictPolicy?: ConflictPolicyValue | null;

  @Field(() => Boolean, { nullable: true })
  isActive?: boolean | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Secrets to set; a null value removes one. Others stay.' })
  credentials?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true, description: 'Minutes between scheduled syncs, 5 to 10080 (a week); 0 turns them off. The next one is due an interval from now.' })
  syncIntervalMinutes?: number | null;

  @Field(() => [EntitySyncSettingInput], { nullable: true, description: 'Each item replaces the setting of its entity; entities left out stay as they are.' })
  entitySettings?: EntitySyncSettingInput[] | null;
}

@ArgsType()
export class IntegrationsArgs extends PageArgs {
  @Field(() => ID, { nullable: true })
  projectId?: string | null;

  @Field(() => String, { nullable: true })
  type?: string | null;
}

@ArgsType()
export class SyncLogsArgs extends PageArgs {
  @Field(() => ID, { description: 'The integration.' })
  id!: string;
}

@ArgsType()
export class ConflictsArgs extends PageArgs {
  @Field(() => ID, { nullable: true })
  integrationId?: string | null;

  @Field(() => ConflictStatus, { nullable: true, description: 'Default: open ones.' })
  status?: ConflictStatus | null;
}
