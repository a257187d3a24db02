/**
 * `Org.usageRecords` and the `UsageRecord` node (schema/types/usage-record.ts): real calls through
 * the gateway are paged with cursors newest first, each once (rows of one instant ordered by id),
 * filtered by key and time, read back through node(id:), and reach no other org's token.
 */
import { and, desc, eq, type SQL } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { formatNanoUsd } from "../../schema/types/usd.ts";
import { type GraphQLResult, startTestGateway, type TestGateway } from "../support/gateway.ts";
import { usageRow } from "./activity-rows.ts";
import {
  type Connection,
  codesOf,
  createAdminToken,
  createKey,
  createOrg,
  createTeam,
  hello,
  messagesOf,
  nodesOf,
  rawId,
} from "./admin-helpers.ts";

let gateway: TestGateway;
let orgA: string;
let teamA: string;
let keyA1: string;
let keyA2: string;
let viewerA: string;
let ownerB: string;

/** Rows stored at one millisecond, later than every real call: only the id can order them. */
const TIED_AT = Date.parse("2030-06-01T12:00:00.123Z");
const TIED = 6;

beforeAll(async () => {
  gateway = await startTestGateway();
  orgA = await createOrg(gateway, "records-a");
  const orgB = await createOrg(gateway, "records-b");
  teamA = await createTeam(gateway, orgA, "records-team");
  const first = await createKey(gateway, { orgId: orgA, teamId: teamA });
  const second = await createKey(gateway, { orgId: orgA });
  const keyB = await createKey(gateway, { orgId: orgB });
  keyA1 = first.keyId;
  keyA2 = second.keyId;
  viewerA = await createAdminToken(gateway, orgA, "VIEWER");
  ownerB = await createAdminToken(gateway, orgB, "OWNER");
  for (const secret of [...Array(5).fill(first.secret), ...Array(3).fill(second.secret)]) {
    expect((await gateway.call("/v1/chat/completions", hello, secret)).status).toBe(200);
  }
  expect((await gateway.call("/v1/chat/completions", hello, keyB.secret)).status).toBe(200);
  await gateway.services.background.drain();
  await gateway.services.sql.db
    .insert(usageRecords)
    .values(
      Array.from({ length: TIED }, () =>
        usageRow({ org: orgA, team: null, model: "m", at: TIED_AT }),
      ),
    );
}, 120_000);
afterAll(() => gateway?.close());

interface RecordNode {
  id: string;
  requestId: string;
  createdAt: string;
  endpoint: string;
  model: string;
  provider: string;
  keyId: string | null;
  teamId: string | null;
  status: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  attempts: number;
  attemptLog: Array<{ deployment: string; status: number | null }>;
}

const FIELDS = `id requestId createdAt endpoint model provider keyId teamId status inputTokens
  outputTokens costUsd attempts attemptLog { deployment status }`;

const RECORDS = `query ($id: ID!, $filter: UsageRecordFilter, $first: Int, $after: String) {
  org(id: $id) {
    usageRecords(filter: $filter, first: $first, after: $after) {
      edges { cursor node { ${FIELDS} } } pageInfo { hasNextPage endCursor }
    }
  }
}`;

type RecordsPage = { org: { usageRecords: Connection<RecordNode> } | null };

/** Every page, `first` at a time, following endCursor; fails on any error. */
async function pageAll(
  filter: Record<string, unknown> | null,
  first: number,
  token?: string,
): Promise<{ nodes: RecordNode[]; pages: number }> {
  const nodes: RecordNode[] = [];
  let after: string | null = null;
  for (let pages = 1; pages <= 100; pages++) {
    const result: GraphQLResult<RecordsPage> = await gateway.graphql<RecordsPage>(
      RECORDS,
      { id: orgA, filter, first, after },
      token,
    );
    expect(result.errors).toBeUndefined();
    const page = result.data?.org?.usageRecords;
    if (!page) throw new Error("no usageRecords page");
    expect(page.edges.length).toBeLessThanOrEqual(first);
    nodes.push(...nodesOf(page));
    if (!page.pageInfo?.hasNextPage) return { nodes, pages };
    after = page.pageInfo.endCursor;
  }
  throw new Error("paging does not end");
}

/** The org's record ids as the database orders them, newest first, the id breaking ties. */
async function storedIds(where?: SQL): Promise<string[]> {
  const rows = await gateway.services.sql.db
    .select({ id: usageRecords.id })
    .from(usageRecords)
    .where(and(eq(usageRecords.orgId, rawId(orgA)), where))
    .orderBy(desc(usageRecords.createdAt), desc(usageRecords.id));
  return rows.map((row) => row.id);
}

describe("Org.usageRecords", () => {
  it("pages every record once, newest first, in pages of 4 (a VIEWER reads it)", async () => {
    const paged = await pageAll(null, 4, viewerA);
    const ids = paged.nodes.map((node) => rawId(node.id));
    expect(ids).toHaveLength(8 + TIED);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(await storedIds());
    expect(paged.pages).toBe(4);
    // The tied rows straddle a page boundary and still come in id order, descending.
    expect(ids.slice(0, TIED)).toEqual(ids.slice(0, TIED).toSorted().reverse());
    const times = paged.nodes.map((node) => Date.parse(node.createdAt));
    expect(times).toEqual(times.toSorted((a, b) => b - a));
  });

  it("keeps a key filter across pages, and describes each call as stored", async () => {
    const paged = await pageAll({ keyId: keyA1 }, 2);
    expect(paged.nodes).toHaveLength(5);
    expect(paged.nodes.map((node) => rawId(node.id))).toEqual(
      await storedIds(eq(usageRecords.keyId, rawId(keyA1))),
    );
    const stored = await gateway.services.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.keyId, rawId(keyA1)));
    const byId = new Map(stored.map((row) => [row.id, row]));
    for (const node of paged.nodes) {
      const row = byId.get(rawId(node.id));
      expect(node).toMatchObject({
        keyId: keyA1,
        teamId: teamA,
        endpoint: "/v1/chat/completions",
        status: 200,
        requestId: row?.requestId,
        costUsd: formatNanoUsd(BigInt(row?.costNanoUsd ?? -1)),
        attempts: 1,
      });
      expect(node.inputTokens).toBeGreaterThan(0);
      expect(node.attemptLog).toEqual([
        { deployment: `${node.provider}/${node.model}`, status: 200 },
      ]);
    }
    const second = await pageAll({ keyId: keyA2 }, 100);
    expect(second.nodes.map((node) => node.keyId)).toEqual([keyA2, keyA2, keyA2]);
    expect(second.nodes.every((node) => node.teamId === null)).toBe(true);
  });

  it("filters by time: from is inclusive, to exclusive", async () => {
    const at = new Date(TIED_AT).toISOString();
    expect((await pageAll({ from: at }, 100)).nodes).toHaveLength(TIED);
    expect((await pageAll({ to: at }, 100)).nodes).toHaveLength(8);
    const backwards = await gateway.graphql(RECORDS, { id: orgA, filter: { from: at, to: at } });
    expect(codesOf(backwards)).toEqual(["BAD_USER_INPUT"]);
  });

  it("refuses another type's id in an id filter, a page over 100 and a foreign cursor", async () => {
    const wrongType = await gateway.graphql(RECORDS, { id: orgA, filter: { keyId: teamA } });
    expect(codesOf(wrongType)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(wrongType)).toMatch(/filter\.keyId/);
    const tooMany = await gateway.graphql(RECORDS, { id: orgA, first: 101 });
    expect(codesOf(tooMany)).toEqual(["BAD_USER_INPUT"]);
    const notACursor = await gateway.graphql(RECORDS, { id: orgA, after: rawId(orgA) });
    expect(codesOf(notACursor)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("a UsageRecord as a node", () => {
  const NODE = `query ($id: ID!) { node(id: $id) { __typename ... on UsageRecord { ${FIELDS} } } }`;

  it("reads back through node(id:) and nodes(ids:) as the list gave it", async () => {
    const [listed, other] = (await pageAll({ keyId: keyA2 }, 2, viewerA)).nodes;
    if (!listed || !other) throw new Error("no records listed");
    const one = await gateway.graphql<{ node: RecordNode }>(NODE, { id: listed.id }, viewerA);
    expect(one.errors).toBeUndefined();
    expect(one.data?.node).toEqual({ __typename: "UsageRecord", ...listed });
    const many = await gateway.graphql<{ nodes: Array<{ id: string } | null> }>(
      `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: [other.id, listed.id] },
      viewerA,
    );
    expect(many.data?.nodes).toEqual([{ id: other.id }, { id: listed.id }]);
  });

  it("is nothing to another org's OWNER: node null, the org's list NOT_FOUND", async () => {
    const [listed] = (await pageAll(null, 1)).nodes;
    if (!listed) throw new Error("no records listed");
    const node = await gateway.graphql<{ node: unknown }>(NODE, { id: listed.id }, ownerB);
    expect(node.data?.node ?? null).toBeNull();
    expect(JSON.stringify(node)).not.toContain(listed.requestId);
    const list = await gateway.graphql<RecordsPage>(RECORDS, { id: orgA, first: 5 }, ownerB);
    expect(codesOf(list)).toEqual(["NOT_FOUND"]);
    expect(list.data?.org ?? null).toBeNull();
    expect(JSON.stringify(list)).not.toContain(listed.requestId);
  });
});
