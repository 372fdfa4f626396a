import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabases,
  type TestDatabases,
} from "../../../test/support/databases.js";
import {
  MemoryProvider,
  memoryConnector,
} from "../../../test/support/memory-connector.js";
import { SecretBox } from "../../platform/crypto/secret-box.js";
import { connectMySql, type MySql } from "../../platform/db/mysql.js";
import { runMigrations } from "../../platform/db/migrate.js";
import { createLogger } from "../../platform/logging/logger.js";
import { integrationConnections } from "./integration-connections.table.js";
import { runSync, type EngineDeps } from "./integrations.engine.js";
import type { SyncJobPayload } from "./integrations.jobs.js";
import { ConnectorRegistry } from "./integrations.registry.js";

/**
 * The sync engine against a connector that is not QuickBooks (test/support/memory-connector.ts):
 * ETags instead of SyncTokens, PATCH-style partial updates, 412 for a stale version, tombstones.
 */

let databases: TestDatabases;
let mysql: MySql;
let organization = 0;

beforeAll(async () => {
  databases = await createTestDatabases("sync_engine");
  mysql = connectMySql(databases.mysqlUrl, 3);
  await runMigrations(mysql.pool);
});

afterAll(async () => {
  await mysql.close();
  await databases.drop();
});

async function rows(
  statement: string,
  params: unknown[] = [],
): Promise<RowDataPacket[]> {
  return (await mysql.pool.query<RowDataPacket[]>(statement, params))[0];
}

/** A provider, a connection to it (an organization of its own) and a way to sync it. */
async function setup(
  policy:
    "platform_wins" | "remote_wins" | "newest_wins" | "manual" = "newest_wins",
) {
  const provider = new MemoryProvider();
  const deps: EngineDeps = {
    db: mysql.db,
    secrets: SecretBox.fromPassphrase("engine-test"),
    logger: createLogger("silent"),
    registry: new ConnectorRegistry([memoryConnector(provider)]),
    settings: {
      publicUrl: "http://localhost",
      oauthStateTtlSeconds: 600,
      failureAlertThreshold: 3,
    },
  };
  const organizationId = ++organization;
  const [inserted] = await mysql.db.insert(integrationConnections).values({
    organizationId,
    integrationType: "memory",
    name: "Memory",
    authStatus: "connected",
    externalAccountId: `mem-${organizationId}`,
    conflictPolicy: policy,
  });
  const connectionId = inserted.insertId;
  const sync = async (
    direction: SyncJobPayload["direction"],
    mode: SyncJobPayload["mode"] = "incremental",
  ) => {
    const result = await runSync(deps, {
      connectionId,
      direction,
      mode,
      trigger: "api",
    });
    const [log] = await rows(
      "SELECT * FROM integration_sync_logs WHERE id = ?",
      [result.logId],
    );
    return { status: result.status, log: log! };
  };
  const vendor = async (code: string) =>
    (
      await rows(
        "SELECT * FROM vendors WHERE organization_id = ? AND code = ?",
        [organizationId, code],
      )
    )[0];
  return { provider, organizationId, connectionId, sync, vendor };
}

describe("sync engine against a second connector", () => {
  it("pulls: creates, updates and deletes records; a quiet incremental sync writes nothing", async () => {
    const { provider, organizationId, sync, vendor } = await setup();
    const acme = provider.add({
      ref: "ACME",
      title: "Acme Concrete",
      mail: "ap@acme.test",
    });
    const beton = provider.add({ ref: "BETON", title: "Beton Supply" });
    provider.add({ title: "No Ref Yet" });

    const full = await sync("pull", "full");
    expect(full.status).toBe("completed");
    expect(full.log).toMatchObject({ records_created: 3, records_failed: 0 });
    expect(await vendor("ACME")).toMatchObject({
      name: "Acme Concrete",
      email: "ap@acme.test",
      origin_id: `memory:mem-${organizationId}:supplier:${acme}`,
    });
    expect(await vendor("MEM-S102")).toMatchObject({ name: "No Ref Yet" });

    provider.calls.length = 0;
    const quiet = await sync("pull");
    expect(quiet.log).toMatchObject({
      records_created: 0,
      records_updated: 0,
      request_count: 1,
    });
    expect(provider.calls.map((c) => c.op)).toEqual(["changes"]);

    provider.edit(acme, { tel: "555-0100" });
    provider.remove(beton);
    const changed = await sync("pull");
    expect(changed.log).toMatchObject({
      records_updated: 1,
      records_deleted: 1,
      records_failed: 0,
    });
    expect((await vendor("ACME"))!["phone"]).toBe("555-0100");
    expect(await vendor("BETON")).toBeUndefined();
    const [links] = await rows(
      "SELECT COUNT(*) AS n FROM integration_links WHERE organization_id = ?",
      [organizationId],
    );
    expect(Number(links!["n"])).toBe(2);
  });

  it("an object the mapping refuses is counted and logged with the id the connector reads, and the run goes on", async () => {
    const { provider, sync, vendor } = await setup();
    const broken = provider.add({ ref: "BROKEN" });
    provider.add({ ref: "FINE", title: "Fine Co" });
    const run = await sync("pull", "full");
    expect(run.status).toBe("completed");
    expect(run.log).toMatchObject({ records_created: 1, records_failed: 1 });
    expect(run.log["error_log"]).toContainEqual(
      expect.objectContaining({
        level: "error",
        entity: "supplier",
        remoteId: broken,
        code: "validation",
      }),
    );
    expect(await vendor("FINE")).toBeDefined();
  });

  it("pushes: creates with an idempotency key, updates partially with the ETag, and never echoes its own writes", async () => {
    const { provider, organizationId, sync } = await setup();
    const acme = provider.add({
      ref: "ACME",
      title: "Acme Concrete",
      notes: "kept by the provider",
    });
    await sync("both", "full");
    await rows(
      "INSERT INTO vendors (organization_id, code, name, email) VALUES (?, 'NEWCO', 'Newco Steel', 'ap@newco.test')",
      [organizationId],
    );
    await rows(
      "UPDATE vendors SET name = 'Acme Concrete Inc' WHERE organization_id = ? AND code = 'ACME'",
      [organizationId],
    );

    provider.calls.length = 0;
    const pushed = await sync("both");
    expect(pushed.log).toMatchObject({
      status: "completed",
      records_created: 1,
      records_updated: 1,
      records_failed: 0,
    });
    expect(provider.find("NEWCO")).toMatchObject({
      title: "Newco Steel",
      mail: "ap@newco.test",
    });
    // A partial update: what the platform does not hold stays in the provider.
    expect(provider.get(acme)).toMatchObject({
      title: "Acme Concrete Inc",
      notes: "kept by the provider",
    });
    expect(provider.writes()).toHaveLength(2);

    // Our writes come back in the change feed: the next syncs write nothing, on either side.
    for (let i = 0; i < 2; i++) {
      provider.calls.length = 0;
      const quiet = await sync("both");
      expect(quiet.log).toMatchObject({
        status: "completed",
        records_created: 0,
        records_updated: 0,
        records_deleted: 0,
      });
      expect(provider.writes()).toEqual([]);
    }
  });

  it("a stale version (412) re-reads the object and applies the policy", async () => {
    const { provider, organizationId, sync, vendor } =
      await setup("platform_wins");
    const acme = provider.add({ ref: "ACME", title: "Acme Concrete" });
    await sync("pull", "full");
    // Both sides change; a push alone still holds the old ETag.
    provider.edit(acme, { title: "Acme Renamed Remotely" });
    await rows(
      "UPDATE vendors SET phone = '555-0001' WHERE organization_id = ? AND code = 'ACME'",
      [organizationId],
    );
    provider.calls.length = 0;
    const run = await sync("push");
    expect(run.log).toMatchObject({
      status: "completed",
      records_updated: 1,
      conflicts: 1,
    });
    expect(provider.calls.map((c) => c.op)).toEqual([
      "update",
      "read",
      "update",
    ]);
    expect(provider.get(acme)).toMatchObject({
      title: "Acme Concrete",
      tel: "555-0001",
    });
    expect((await vendor("ACME"))!["name"]).toBe("Acme Concrete");
  });
});
