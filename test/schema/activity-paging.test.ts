/**
 * `usage` and `guardrailEvents` are keyset connections (schema/types/usage.ts,
 * guardrail-event.ts): paged with cursors they list every group or event once, in a stable
 * order that rows written meanwhile do not shift; a page is at most 100; another org's token,
 * ids or cursors reach nothing of the org.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardrailEvents, usageRecords } from "../../db/schema/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import {
  cross,
  EVENTS,
  eventIds,
  eventRow,
  groupKey,
  pageThrough,
  RANGE,
  USAGE,
  type UsageNode,
  usageRow,
} from "./activity-rows.ts";
import {
  type Connection,
  codesOf,
  createAdminToken,
  createKey,
  createOrg,
  createTeam,
  messagesOf,
  rawId,
} from "./admin-helpers.ts";

let gateway: TestGateway;
let orgA: string;
let orgB: string;
let teamsA: string[];
let keyA: string;
let ownerB: string;

const HOUR = 3_600_000;
const T0 = Date.parse("2030-03-01T10:00:00Z");
const MODELS = ["m-a", "m-b", "m-c", "m-d"];

beforeAll(async () => {
  gateway = await startTestGateway();
  orgA = await createOrg(gateway, "activity-a");
  orgB = await createOrg(gateway, "activity-b");
  teamsA = [await createTeam(gateway, orgA, "t1"), await createTeam(gateway, orgA, "t2")];
  keyA = (await createKey(gateway, { orgId: orgA, teamId: teamsA[0] })).keyId;
  ownerB = await createAdminToken(gateway, orgB, "OWNER");
  // Org A: every model in three hours, for each team and for no team (nulls must page too).
  const rows: Array<Parameters<typeof usageRow>[0]> = [];
  for (const [hour, model, team] of cross([0, 1, 2], MODELS, [...teamsA, null])) {
    rows.push({ org: orgA, team, model, at: T0 + hour * HOUR });
  }
  for (const model of ["b-only-1", "b-only-2", "b-only-3"]) {
    rows.push({ org: orgB, team: null, model, at: T0 });
  }
  await gateway.services.sql.db.insert(usageRecords).values(rows.map(usageRow));
  // Org A: 12 events of one microsecond and 12 a microsecond apart each (a Date would merge
  // them: the cursor must keep Postgres' microseconds); org B: a few of its own.
  const events = [
    ...Array.from({ length: 12 }, () => eventRow(orgA, "2030-03-01T10:00:00.000500Z")),
    ...Array.from({ length: 12 }, (_, i) =>
      eventRow(orgA, `2030-03-01T10:00:00.000${String(501 + i).padStart(3, "0")}Z`),
    ),
    ...Array.from({ length: 4 }, () => eventRow(orgB, "2030-03-01T10:00:00.000600Z")),
  ];
  await gateway.services.sql.db.insert(guardrailEvents).values(events);
}, 120_000);
afterAll(() => gateway?.close());

describe("usage, paged over its groups", () => {
  it("lists every team × model group once across pages of 5, in the order of one page", async () => {
    const variables = { filter: { orgId: orgA, ...RANGE }, groupBy: ["TEAM", "MODEL"] };
    const whole = await pageThrough<UsageNode>(gateway, "usage", USAGE, variables, { first: 100 });
    expect(whole.pages).toBe(1);
    // Three teams (one of them "no team") × four models, each called once in each of 3 hours.
    expect(whole.nodes).toHaveLength(12);
    expect(whole.nodes.every((node) => node.requests === 3)).toBe(true);
    expect(new Set(whole.nodes.map(groupKey)).size).toBe(12);
    // Calls of no team come last, whatever the ids of the teams.
    expect(whole.nodes.slice(-4).map((node) => node.teamId)).toEqual([null, null, null, null]);

    const paged = await pageThrough<UsageNode>(gateway, "usage", USAGE, variables, { first: 5 });
    expect(paged.pages).toBe(3);
    expect(paged.nodes.map(groupKey)).toEqual(whole.nodes.map(groupKey));
  });

  it("pages hourly buckets by bucket, then model", async () => {
    const variables = {
      filter: { orgId: orgA, ...RANGE },
      groupBy: ["MODEL"],
      bucket: "HOUR",
    };
    const paged = await pageThrough<UsageNode>(gateway, "usage", USAGE, variables, { first: 5 });
    const expected = [0, 1, 2].flatMap((hour) =>
      MODELS.map((model) => `${new Date(T0 + hour * HOUR).toISOString()}|null|${model}`),
    );
    expect(paged.nodes.map(groupKey)).toEqual(expected);
    expect(paged.nodes.every((node) => node.requests === 3)).toBe(true);
  });

  it("keeps its pages when calls are recorded meanwhile in groups before the cursor", async () => {
    const variables = { filter: { orgId: orgA, ...RANGE }, groupBy: ["MODEL"] };
    const before = await pageThrough<UsageNode>(gateway, "usage", USAGE, variables, { first: 100 });
    const paged = await pageThrough<UsageNode>(gateway, "usage", USAGE, variables, {
      first: 2,
      // After the page [m-a, m-b]: a new group that sorts first and one more call of m-a.
      between: async () => {
        await gateway.services.sql.db
          .insert(usageRecords)
          .values([
            usageRow({ org: orgA, team: null, model: "a-new", at: T0 }),
            usageRow({ org: orgA, team: null, model: "m-a", at: T0 }),
          ]);
      },
    });
    expect(paged.nodes.map((node) => node.model)).toEqual(before.nodes.map((node) => node.model));
    const after = await pageThrough<UsageNode>(gateway, "usage", USAGE, variables, { first: 100 });
    expect(after.nodes.map((node) => node.model)).toEqual(["a-new", ...MODELS]);
  });

  it("answers the total as one row without groups, and nothing after its cursor", async () => {
    const variables = { filter: { orgId: orgB, ...RANGE } };
    const result = await gateway.graphql<{ usage: Connection<UsageNode> }>(USAGE, variables);
    const page = result.data?.usage;
    expect(page?.edges.map((edge) => edge.node.requests)).toEqual([3]);
    expect(page?.pageInfo?.hasNextPage).toBe(false);
    const next = await gateway.graphql<{ usage: Connection<UsageNode> }>(USAGE, {
      ...variables,
      after: page?.pageInfo?.endCursor,
    });
    expect(next.errors).toBeUndefined();
    expect(next.data?.usage.edges).toEqual([]);
  });
});

describe("guardrailEvents, newest first", () => {
  it("lists every event once across pages of 5, microseconds and ties kept apart", async () => {
    const expected = await eventIds(gateway, orgA);
    expect(expected).toHaveLength(24);
    const paged = await pageThrough<{ id: string }>(
      gateway,
      "guardrailEvents",
      EVENTS,
      { filter: { orgId: orgA } },
      { first: 5 },
    );
    expect(paged.pages).toBe(5);
    expect(paged.nodes.map((node) => node.id)).toEqual(expected);
  });

  it("keeps its pages when newer events are recorded meanwhile", async () => {
    const filter = { orgId: orgA, detector: "EMAIL" };
    const expected = await eventIds(gateway, orgA);
    const paged = await pageThrough<{ id: string }>(
      gateway,
      "guardrailEvents",
      EVENTS,
      { filter },
      {
        first: 7,
        between: async () => {
          await gateway.services.sql.db
            .insert(guardrailEvents)
            .values([
              eventRow(orgA, "2030-03-01T11:00:00Z"),
              eventRow(orgA, "2030-03-02T00:00:00Z"),
            ]);
        },
      },
    );
    expect(paged.nodes.map((node) => node.id)).toEqual(expected);
    // The newer events are there for whoever starts again, first.
    const fresh = await eventIds(gateway, orgA);
    expect(fresh).toHaveLength(expected.length + 2);
    expect(fresh.slice(2)).toEqual(expected);
  });

  it("keeps the filter across pages", async () => {
    await gateway.services.sql.db
      .insert(guardrailEvents)
      .values(Array.from({ length: 3 }, () => eventRow(orgA, "2030-03-01T10:30:00Z", rawId(keyA))));
    const paged = await pageThrough<{ id: string }>(
      gateway,
      "guardrailEvents",
      EVENTS,
      { filter: { orgId: orgA, keyId: keyA } },
      { first: 2 },
    );
    expect(paged.nodes.map((node) => node.id)).toEqual(
      await eventIds(gateway, orgA, eq(guardrailEvents.keyId, rawId(keyA))),
    );
    expect(paged.nodes).toHaveLength(3);
  });
});

describe("both lists", () => {
  const calls = () => [
    { field: "usage" as const, query: USAGE, filter: { orgId: orgA, ...RANGE } },
    { field: "guardrailEvents" as const, query: EVENTS, filter: { orgId: orgA } },
  ];

  it("refuse more than 100 per page with BAD_USER_INPUT naming first", async () => {
    for (const { query, filter } of calls()) {
      const result = await gateway.graphql(query, { filter, first: 101 });
      expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
      expect(messagesOf(result)).toMatch(/^first: at most 100/);
      const ok = await gateway.graphql(query, { filter, first: 100 });
      expect(ok.errors).toBeUndefined();
    }
  });

  it("refuse a cursor that is not one, with BAD_USER_INPUT", async () => {
    for (const { query, filter } of calls()) {
      const result = await gateway.graphql(query, { filter, after: rawId(orgA) });
      expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    }
  });

  it("are FORBIDDEN to another org's OWNER, with no data", async () => {
    for (const { query, filter } of calls()) {
      const result = await gateway.graphql(query, { filter }, ownerB);
      expect(codesOf(result)).toEqual(["FORBIDDEN"]);
      expect(result.data ?? null).toBeNull();
    }
  });

  it("give another org's OWNER only its own rows with the org's cursors and ids", async () => {
    const ownEvents = new Set(await eventIds(gateway, orgB));
    // A cursor of org A's events, in org B's list: a position in B's rows, never A's rows.
    const first = await gateway.graphql<{ guardrailEvents: Connection<{ id: string }> }>(EVENTS, {
      filter: { orgId: orgA },
      first: 1,
    });
    const cursorA = first.data?.guardrailEvents.pageInfo?.endCursor;
    expect(cursorA).toBeTruthy();
    const events = await pageThrough<{ id: string }>(
      gateway,
      "guardrailEvents",
      EVENTS,
      { filter: { orgId: orgB } },
      { first: 100, after: cursorA, token: ownerB },
    );
    expect(events.nodes.every((node) => ownEvents.has(node.id))).toBe(true);
    // Filtered by org A's key: nothing (the key is no key of B's).
    const byKey = await pageThrough<{ id: string }>(
      gateway,
      "guardrailEvents",
      EVENTS,
      { filter: { orgId: orgB, keyId: keyA } },
      { first: 100, token: ownerB },
    );
    expect(byKey.nodes).toEqual([]);

    const usageA = await gateway.graphql<{ usage: Connection<UsageNode> }>(USAGE, {
      filter: { orgId: orgA, ...RANGE },
      groupBy: ["MODEL"],
      first: 1,
    });
    const usageB = await pageThrough<UsageNode>(
      gateway,
      "usage",
      USAGE,
      { filter: { orgId: orgB, ...RANGE }, groupBy: ["MODEL"] },
      { first: 100, after: usageA.data?.usage.pageInfo?.endCursor, token: ownerB },
    );
    expect(usageB.nodes.every((node) => node.model?.startsWith("b-only-"))).toBe(true);
    const byTeam = await pageThrough<UsageNode>(
      gateway,
      "usage",
      USAGE,
      { filter: { orgId: orgB, teamId: teamsA[0], ...RANGE } },
      { first: 100, token: ownerB },
    );
    expect(byTeam.nodes.map((node) => node.requests)).toEqual([0]);
  });
});
