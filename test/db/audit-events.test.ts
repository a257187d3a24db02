import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client.ts";
import { auditEvents, orgs } from "../../db/schema/index.ts";
import { createTestDatabase, type TestDatabase, truncateAll } from "../support/database.ts";
import { RESTRICT_VIOLATION, sqlStateOf } from "./pg-error.ts";

let test: TestDatabase;
let db: Database;
beforeAll(async () => {
  test = await createTestDatabase();
  db = test.sql.db;
});
afterAll(() => test.close());
afterEach(() => truncateAll(db));

async function appendEvent(): Promise<string> {
  const [org] = await db.insert(orgs).values({ name: "acme" }).returning();
  if (!org) throw new Error("insert returned no row");
  const [event] = await db
    .insert(auditEvents)
    .values({
      orgId: org.id,
      seq: 1,
      actorType: "master",
      action: "org.create",
      targetType: "org",
      targetId: org.id,
      prevHash: "",
      hash: "h1",
    })
    .returning();
  if (!event) throw new Error("insert returned no row");
  return event.id;
}

describe("audit_events is append-only", () => {
  it("accepts new events", async () => {
    await appendEvent();
    expect(await db.$count(auditEvents)).toBe(1);
  });

  it("refuses to update an event", async () => {
    const id = await appendEvent();

    const state = await sqlStateOf(
      db.update(auditEvents).set({ action: "org.delete" }).where(eq(auditEvents.id, id)),
    );

    expect(state).toBe(RESTRICT_VIOLATION);
    const [event] = await db.select().from(auditEvents);
    expect(event?.action).toBe("org.create");
  });

  it("refuses to delete an event", async () => {
    const id = await appendEvent();

    const state = await sqlStateOf(db.delete(auditEvents).where(eq(auditEvents.id, id)));

    expect(state).toBe(RESTRICT_VIOLATION);
    expect(await db.$count(auditEvents)).toBe(1);
  });

  it("refuses an update even when it matches no row", async () => {
    const state = await sqlStateOf(db.execute(sql`update audit_events set hash = 'x' where false`));
    expect(state).toBe(RESTRICT_VIOLATION);
  });

  it("survives deleting the org it describes", async () => {
    await appendEvent();
    await db.delete(orgs);
    expect(await db.$count(auditEvents)).toBe(1);
  });

  it("can still be truncated, which is how tests reset it", async () => {
    await appendEvent();
    await db.execute(sql`truncate audit_events`);
    expect(await db.$count(auditEvents)).toBe(0);
  });
});
