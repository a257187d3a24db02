/**
 * The audit trail as a verifier meets it: each org's events form one hash chain numbered 1..n,
 * any change to a stored row is found, and appends from several instances at once neither skip
 * nor repeat a number.
 */
import { asc, eq, isNull } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSql, type Database, type SqlHandle } from "../../db/client.ts";
import { auditEvents, orgs } from "../../db/schema/index.ts";
import { type AuditEventRow, appendAuditEvent } from "../../functions/audit/append-audit-event.ts";
import { auditHashOf, canonicalAuditText, GENESIS_HASH } from "../../functions/audit/audit-hash.ts";
import { verifyAuditChain } from "../../functions/audit/verify-audit-chain.ts";
import { createTestDatabase, type TestDatabase, truncateAll } from "../support/database.ts";

let test: TestDatabase;
let db: Database;
/** A second, independent connection pool on the same database: another app instance. */
let other: SqlHandle | null = null;
beforeAll(async () => {
  test = await createTestDatabase();
  db = test.sql.db;
  // In-memory PGlite has one handle; there the second "instance" shares it.
  if (test.sqlOptions) other = await createSql(test.sqlOptions);
});
afterAll(async () => {
  await other?.close();
  await test.close();
});
afterEach(() => truncateAll(db));

async function newOrg(): Promise<string> {
  const [org] = await db.insert(orgs).values({ name: "acme" }).returning();
  if (!org) throw new Error("insert returned no row");
  return org.id;
}

async function chainOf(orgId: string | null): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(orgId === null ? isNull(auditEvents.orgId) : eq(auditEvents.orgId, orgId))
    .orderBy(asc(auditEvents.seq));
}

async function appendSeveral(orgId: string | null, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await appendAuditEvent(db, {
      orgId,
      actorType: "system",
      action: "budget.threshold_crossed",
      targetType: "budget",
      targetId: crypto.randomUUID(),
      data: { fraction: 0.8, limitUsd: 12.5, nested: { b: [1, "two", null], a: true } },
      requestId: `req-${i}`,
      delegationChain: i % 2 === 0 ? null : [crypto.randomUUID(), crypto.randomUUID()],
    });
  }
}

describe("appending audit events", () => {
  it("numbers an org's events 1..n, each linked to the one before", async () => {
    const orgId = await newOrg();
    await appendSeveral(orgId, 4);

    const rows = await chainOf(orgId);
    expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4]);
    expect(rows[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prevHash).toBe(rows[i - 1]?.hash);
  });

  it("keeps one chain per org and one for system events", async () => {
    const first = await newOrg();
    const second = await newOrg();
    await appendSeveral(first, 2);
    await appendSeveral(second, 3);
    await appendSeveral(null, 2);

    expect((await chainOf(first)).map((row) => row.seq)).toEqual([1, 2]);
    expect((await chainOf(second)).map((row) => row.seq)).toEqual([1, 2, 3]);
    expect((await chainOf(null)).map((row) => row.seq)).toEqual([1, 2]);
  });

  it("gives 20 concurrent appends from two instances the numbers 1..20 and a valid chain", async () => {
    const orgId = await newOrg();
    const instances = [db, other?.db ?? db];

    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendAuditEvent(instances[i % 2] ?? db, {
          orgId,
          actorType: "system",
          action: "test.concurrent",
          data: { i },
        }),
      ),
    );

    const rows = await chainOf(orgId);
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await verifyAuditChain(rows)).toEqual({
      valid: true,
      checked: 20,
      firstInvalidId: null,
    });
  });
});

describe("verifying an audit chain", () => {
  it("accepts a chain of several events as stored", async () => {
    const orgId = await newOrg();
    await appendSeveral(orgId, 5);

    expect(await verifyAuditChain(await chainOf(orgId))).toEqual({
      valid: true,
      checked: 5,
      firstInvalidId: null,
    });
  });

  it("accepts the rows in any order", async () => {
    const orgId = await newOrg();
    await appendSeveral(orgId, 3);

    const verdict = await verifyAuditChain((await chainOf(orgId)).reverse());
    expect(verdict.valid).toBe(true);
  });

  it("accepts an empty chain", async () => {
    expect(await verifyAuditChain([])).toEqual({ valid: true, checked: 0, firstInvalidId: null });
  });

  // The table refuses UPDATE, so a tampered row is simulated on a copy of the stored rows.
  const tamperings: Array<[string, (row: AuditEventRow) => AuditEventRow]> = [
    ["its data", (row) => ({ ...row, data: { ...row.data, limitUsd: 1_000_000 } })],
    ["a nested value in its data", (row) => ({ ...row, data: { ...row.data, nested: {} } })],
    ["its action", (row) => ({ ...row, action: "budget.deleted" })],
    ["its actor", (row) => ({ ...row, actorId: "someone-else" })],
    ["its time", (row) => ({ ...row, createdAt: new Date(row.createdAt.getTime() + 1) })],
    ["its delegation chain", (row) => ({ ...row, delegationChain: [crypto.randomUUID()] })],
    ["its own hash", (row) => ({ ...row, hash: "f".repeat(64) })],
  ];
  for (const [what, tamper] of tamperings) {
    it(`names the first row whose ${what} was changed`, async () => {
      const orgId = await newOrg();
      await appendSeveral(orgId, 5);
      const rows = await chainOf(orgId);
      const target = rows[2];
      if (!target) throw new Error("no third row");

      const verdict = await verifyAuditChain(
        rows.map((row) => (row.id === target.id ? tamper(row) : row)),
      );

      expect(verdict).toEqual({ valid: false, checked: 3, firstInvalidId: target.id });
    });
  }

  it("names the row after one that was removed", async () => {
    const orgId = await newOrg();
    await appendSeveral(orgId, 4);
    const rows = await chainOf(orgId);

    const verdict = await verifyAuditChain(rows.filter((row) => row.seq !== 2));

    expect(verdict).toEqual({ valid: false, checked: 2, firstInvalidId: rows[2]?.id });
  });

  it("refuses a row rehashed after an edit, since the next row still links to the old hash", async () => {
    const orgId = await newOrg();
    await appendSeveral(orgId, 3);
    const rows = await chainOf(orgId);
    const edited = rows.map(async (row) => {
      if (row.seq !== 2) return row;
      const changed = { ...row, action: "nothing.happened" };
      return { ...changed, hash: await auditHashOf(changed) };
    });

    const verdict = await verifyAuditChain(await Promise.all(edited));

    expect(verdict).toEqual({ valid: false, checked: 3, firstInvalidId: rows[2]?.id });
  });

  it("refuses a row carried over from another org's chain", async () => {
    const first = await newOrg();
    const second = await newOrg();
    await appendSeveral(first, 2);
    await appendSeveral(second, 2);
    const foreign = (await chainOf(second))[1];
    if (!foreign) throw new Error("no row");
    const rows = (await chainOf(first)).map((row) => (row.seq === 2 ? foreign : row));

    const verdict = await verifyAuditChain(rows);

    expect(verdict).toEqual({ valid: false, checked: 2, firstInvalidId: foreign.id });
  });
});

describe("the hashed form of an audit row", () => {
  it("is RFC 8785 canonical JSON of the row's columns, so a verifier elsewhere can recompute it", () => {
    const text = canonicalAuditText({
      id: "6F1C9A4E-0D1B-4C7A-9E55-2B1F3C4D5E6F",
      orgId: null,
      seq: 1,
      actorType: "system",
      actorId: null,
      action: "budget.threshold_crossed",
      targetType: "budget",
      targetId: "b1",
      data: { z: 1, a: [0.5, "é"] },
      delegationChain: null,
      requestId: null,
      createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
      prevHash: GENESIS_HASH,
    });

    expect(text).toBe(
      `{"action":"budget.threshold_crossed","actor_id":null,"actor_type":"system",` +
        `"created_at":"2026-01-02T03:04:05.678Z","data":{"a":[0.5,"é"],"z":1},` +
        `"delegation_chain":null,"id":"6f1c9a4e-0d1b-4c7a-9e55-2b1f3c4d5e6f","org_id":null,` +
        `"prev_hash":"${GENESIS_HASH}","request_id":null,"seq":1,"target_id":"b1",` +
        `"target_type":"budget"}`,
    );
  });
});
