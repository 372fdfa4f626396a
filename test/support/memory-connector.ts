import { z } from "zod";
import {
  RemoteError,
  type ConnectorDefinition,
  type RemoteApi,
  type RemoteChanges,
  type RemotePage,
  type RemoteTarget,
} from "../../src/modules/integrations/index.js";

/**
 * A second, minimal connector for the sync engine's tests, shaped unlike QuickBooks on purpose so
 * that nothing QuickBooks-shaped can hide in the engine: objects are keyed by `key`, versioned by
 * an ETag, stamped `modifiedAt` (ISO); updates are partial (PATCH: fields not sent stay) and
 * refused as "412 Precondition Failed" when the ETag moved; deletes leave a tombstone
 * (`deleted: true`) in the change feed; pages are two objects long.
 *
 * One entity, `supplier` ↔ platform vendors: ref ↔ code, title ↔ name, mail ↔ email,
 * tel ↔ phone, inactive ↔ status. A deleted supplier removes the vendor (no deletedFields).
 */

interface Stored {
  key: string;
  etag: string;
  modifiedAt: number;
  deleted: boolean;
  data: Record<string, unknown>;
}

export interface ProviderCall {
  op: "list" | "changes" | "read" | "create" | "update";
  key?: string;
  body?: Record<string, unknown>;
}

export class MemoryProvider {
  /** The provider's clock (ms); moves by a second with every write so modifiedAt values differ. */
  now = Date.parse("2026-01-05T08:00:00Z");
  readonly calls: ProviderCall[] = [];
  readonly objects = new Map<string, Stored>();
  /** Idempotency keys of creates → the keys they made. */
  readonly created = new Map<string, string>();
  private next = 100;
  private etags = 0;

  private stamp(stored: Stored): void {
    this.now += 1000;
    stored.modifiedAt = this.now;
    stored.etag = `W/"${++this.etags}"`;
  }

  /** A supplier created by a person in the provider. */
  add(data: Record<string, unknown>): string {
    const stored: Stored = {
      key: `S${this.next++}`,
      etag: "",
      modifiedAt: 0,
      deleted: false,
      data: { ...data },
    };
    this.stamp(stored);
    this.objects.set(stored.key, stored);
    return stored.key;
  }

  /** A person edits a supplier in the provider. */
  edit(key: string, changes: Record<string, unknown>): void {
    const stored = this.objects.get(key)!;
    Object.assign(stored.data, changes);
    this.stamp(stored);
  }

  remove(key: string): void {
    const stored = this.objects.get(key)!;
    stored.deleted = true;
    this.stamp(stored);
  }

  get(key: string): Record<string, unknown> | undefined {
    const stored = this.objects.get(key);
    return stored && !stored.deleted ? { ...stored.data } : undefined;
  }

  find(ref: string): Record<string, unknown> | undefined {
    return [...this.objects.values()].find(
      (o) => !o.deleted && o.data["ref"] === ref,
    )?.data;
  }

  /** Calls that write (create or update). */
  writes(): ProviderCall[] {
    return this.calls.filter((c) => c.op === "create" || c.op === "update");
  }

  view(stored: Stored): Record<string, unknown> {
    if (stored.deleted)
      return {
        key: stored.key,
        deleted: true,
        modifiedAt: new Date(stored.modifiedAt).toISOString(),
      };
    return {
      key: stored.key,
      etag: stored.etag,
      modifiedAt: new Date(stored.modifiedAt).toISOString(),
      ...stored.data,
    };
  }

  /** The bump a write by the API gives (the same as a person's). */
  touch(stored: Stored): void {
    this.stamp(stored);
  }
}

/** The provider's API for one session. */
function providerApi(provider: MemoryProvider): RemoteApi {
  let requests = 0;
  const count = (call: ProviderCall) => {
    requests += 1;
    provider.calls.push(call);
  };
  const at = () => new Date(provider.now);
  return {
    async *listAll(): AsyncIterable<RemotePage> {
      const live = [...provider.objects.values()].filter((o) => !o.deleted);
      const asOf = at();
      for (let i = 0; i === 0 || i < live.length; i += 2) {
        count({ op: "list" });
        yield {
          objects: live.slice(i, i + 2).map((o) => provider.view(o)),
          asOf,
        };
      }
    },
    async changesSince(entities, since): Promise<RemoteChanges> {
      count({ op: "changes" });
      const changed = [...provider.objects.values()].filter(
        (o) => o.modifiedAt >= since.getTime(),
      );
      return {
        changes: new Map(
          entities.map((e) => [e, changed.map((o) => provider.view(o))]),
        ),
        asOf: at(),
      };
    },
    async read(_entity, key) {
      count({ op: "read", key });
      const stored = provider.objects.get(key);
      return stored && !stored.deleted ? provider.view(stored) : null;
    },
    async create(_entity, body, idempotencyKey) {
      count({ op: "create", body });
      const known = provider.created.get(idempotencyKey);
      if (known) return provider.view(provider.objects.get(known)!);
      const key = provider.add(body);
      provider.created.set(idempotencyKey, key);
      return provider.view(provider.objects.get(key)!);
    },
    async update(_entity, target: RemoteTarget, changes) {
      count({ op: "update", key: target.remoteId, body: changes });
      const stored = provider.objects.get(target.remoteId);
      if (!stored || stored.deleted)
        throw new RemoteError("not_found", `404: supplier ${target.remoteId}`, {
          status: 404,
        });
      if (stored.etag !== target.version)
        throw new RemoteError(
          "stale",
          `412 Precondition Failed: supplier ${target.remoteId} is at ${stored.etag}`,
          { status: 412 },
        );
      Object.assign(stored.data, changes);
      provider.touch(stored);
      return provider.view(stored);
    },
    requestCount: () => requests,
  };
}

const str = (value: unknown): string | null =>
  typeof value === "string" && value !== "" ? value : null;

/** The connector over a MemoryProvider (type `memory`, no OAuth: connections are connected as made). */
export function memoryConnector(
  provider: MemoryProvider,
): ConnectorDefinition<Record<string, never>> {
  return {
    type: "memory",
    name: "Memory Books",
    description: "An in-memory provider for the sync engine tests.",
    capabilities: ["pull", "push", "full", "incremental"],
    entityTypes: ["vendors"],
    auth: "none",
    configSchema: z.object({}).strict(),
    sync: {
      oauth: {
        authorizeUrl: "http://127.0.0.1:9/authorize",
        tokenUrl: "http://127.0.0.1:9/token",
        clientId: "memory",
        clientSecret: "memory",
        scopes: [],
        pkce: false,
        timeoutMs: 1000,
      },
      idOf: (raw) => str(raw["key"]),
      open: () => providerApi(provider),
      entities: [
        {
          remote: "supplier",
          recordType: "vendors",
          naturalKey: "code",
          fields: ["code", "name", "email", "phone", "status"],
          push: true,
          toRemoteObject(raw) {
            const key = str(raw["key"]);
            if (!key)
              throw new RemoteError("malformed", "a supplier without a key");
            const modified = str(raw["modifiedAt"]);
            const head = {
              remoteId: key,
              version: str(raw["etag"]),
              updatedAt: modified ? new Date(modified) : null,
              deleted: raw["deleted"] === true,
            };
            if (head.deleted) return { ...head, fields: null };
            const title = str(raw["title"]);
            if (!title)
              throw new RemoteError(
                "validation",
                `supplier ${key} has no title`,
              );
            return {
              ...head,
              fields: {
                code: str(raw["ref"]) ?? `MEM-${key}`,
                name: title,
                email: str(raw["mail"]),
                phone: str(raw["tel"]),
                status: raw["inactive"] === true ? "inactive" : "active",
              },
            };
          },
          toRemote(fields) {
            const name = str(fields["name"]);
            if (!name)
              throw new RemoteError("validation", "a supplier needs a title");
            return {
              ref: str(fields["code"]),
              title: name,
              mail: str(fields["email"]),
              tel: str(fields["phone"]),
              inactive: fields["status"] === "inactive",
            };
          },
        },
      ],
    },
  };
}
