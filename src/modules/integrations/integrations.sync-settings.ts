import { z } from "zod";
import { BadInputError } from "../../platform/errors/app-error.js";
import type {
  ConnectorDefinition,
  SyncEntity,
} from "./integrations.contract.js";
import {
  CONFLICT_POLICIES,
  ENTITY_DIRECTIONS,
  type ConflictPolicy,
  type EntityDirection,
  type SyncSettings,
} from "./integration-connections.table.js";

/**
 * Per-connection sync settings, stored in integration_connections.sync_settings: for each remote
 * entity of the connector, which way it syncs and, optionally, its own conflict policy (the
 * connection's conflictPolicy otherwise). Entities not mentioned sync both ways when the
 * connector can push them, else pull only.
 *
 * Stored shape: `{ "entities": { "Vendor": { "direction": "pull" }, "Bill": { "direction": "both", "conflictPolicy": "manual" } } }`.
 */

type EntitySetting = SyncSettings["entities"][string];

/** What a caller sends for one entity; it replaces that entity's setting (other entities stay). */
export interface EntitySettingInput {
  entity: string;
  direction: EntityDirection;
  /** Absent or null: the connection's conflictPolicy. */
  conflictPolicy?: ConflictPolicy | null | undefined;
}

const StoredSettings = z.object({
  entities: z
    .record(
      z.string(),
      z.object({
        direction: z.enum(ENTITY_DIRECTIONS),
        conflictPolicy: z.enum(CONFLICT_POLICIES).optional(),
      }),
    )
    .default({}),
});

/** The stored settings; a row written before they existed (null) or unreadable has none. */
export function storedSyncSettings(raw: unknown): SyncSettings {
  const parsed = StoredSettings.safeParse(raw ?? {});
  return parsed.success ? parsed.data : { entities: {} };
}

function defaultDirection(entity: SyncEntity): EntityDirection {
  return entity.push ? "both" : "pull";
}

/**
 * Applies `input` to `current` after checking it against the connector: every entity must be one
 * it syncs, once; PUSH and BOTH only for entities it can write.
 */
export function mergeSyncSettings(
  connector: ConnectorDefinition<unknown>,
  current: SyncSettings,
  input: readonly EntitySettingInput[],
): SyncSettings {
  const field = { field: "entitySettings" };
  if (!connector.sync)
    throw new BadInputError(
      `${connector.name} exchanges files and has no entity sync settings`,
      field,
    );
  const entities = connector.sync.entities;
  const next: Record<string, EntitySetting> = { ...current.entities };
  const seen = new Set<string>();
  for (const item of input) {
    const entity = entities.find((e) => e.remote === item.entity);
    if (!entity)
      throw new BadInputError(
        `entitySettings: ${connector.name} has no entity ${item.entity}; it syncs ${entities.map((e) => e.remote).join(", ")}`,
        field,
      );
    if (seen.has(item.entity))
      throw new BadInputError(
        `entitySettings: ${item.entity} is named twice`,
        field,
      );
    seen.add(item.entity);
    if (!ENTITY_DIRECTIONS.includes(item.direction))
      throw new BadInputError(
        `entitySettings: unknown direction for ${item.entity}`,
        field,
      );
    if (
      !entity.push &&
      (item.direction === "push" || item.direction === "both")
    ) {
      throw new BadInputError(
        `entitySettings: ${connector.name} cannot write ${item.entity} objects; it can be PULL or NONE`,
        field,
      );
    }
    if (
      item.conflictPolicy != null &&
      !CONFLICT_POLICIES.includes(item.conflictPolicy)
    )
      throw new BadInputError(
        `entitySettings: unknown conflictPolicy for ${item.entity}`,
        field,
      );
    next[item.entity] = {
      direction: item.direction,
      ...(item.conflictPolicy == null
        ? {}
        : { conflictPolicy: item.conflictPolicy }),
    };
  }
  return { entities: next };
}

/** One entity's settings as they apply: stored, or the defaults. */
export interface EffectiveEntitySetting {
  entity: string;
  recordType: string;
  direction: EntityDirection;
  /** The entity's own policy; null: the connection's. */
  conflictPolicy: ConflictPolicy | null;
  canPush: boolean;
}

export function effectiveSyncSettings(
  connector: ConnectorDefinition<unknown> | undefined,
  raw: unknown,
): EffectiveEntitySetting[] {
  const stored = storedSyncSettings(raw);
  return (connector?.sync?.entities ?? []).map((entity) => {
    const setting = stored.entities[entity.remote];
    return {
      entity: entity.remote,
      recordType: entity.recordType,
      direction: setting?.direction ?? defaultDirection(entity),
      conflictPolicy: setting?.conflictPolicy ?? null,
      canPush: entity.push,
    };
  });
}

/** What a sync run does with each entity under a connection's settings. */
export class SyncPlan {
  private readonly settings: SyncSettings;

  constructor(
    raw: unknown,
    private readonly connectionPolicy: ConflictPolicy,
  ) {
    this.settings = storedSyncSettings(raw);
  }

  private direction(entity: SyncEntity): EntityDirection {
    return (
      this.settings.entities[entity.remote]?.direction ??
      defaultDirection(entity)
    );
  }

  pulls(entity: SyncEntity): boolean {
    const direction = this.direction(entity);
    return direction === "both" || direction === "pull";
  }

  pushes(entity: SyncEntity): boolean {
    const direction = this.direction(entity);
    return entity.push && (direction === "both" || direction === "push");
  }

  policy(entity: SyncEntity): ConflictPolicy {
    return (
      this.settings.entities[entity.remote]?.conflictPolicy ??
      this.connectionPolicy
    );
  }
}
