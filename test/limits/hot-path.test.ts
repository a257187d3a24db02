/**
 * The warm path's I/O, counted: once a key, its org's rules and its budgets are known to an
 * instance, a call with rate limits and a budget makes no SQL query and one Redis round trip
 * for all its limits before it answers. (Settling, one more script, and the usage record come
 * after the answer.)
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Database } from "../../db/client.ts";
import { usageRecords } from "../../db/schema/index.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";
import { databaseObserved } from "../support/outage.ts";

let gateway: TestGateway;
const io = { sql: [] as string[], redis: [] as unknown[] };

beforeAll(async () => {
  gateway = await startTestGateway({ observeSql: countSql });
  countRedisRoundTrips(gateway);
});
afterAll(() => gateway?.close());

function countRedisRoundTrips(target: TestGateway): void {
  const client = (target.services.redis.redis as unknown as { client: Requester }).client;
  const request = client.request.bind(client);
  client.request = (req) => {
    io.redis.push((req as { body?: unknown }).body);
    return request(req);
  };
}

interface Requester {
  request(req: unknown): Promise<unknown>;
}

/** Every query the services make, named by how it entered the database. */
function countSql(db: Database): Database {
  return databaseObserved(db, (entry, args) => {
    io.sql.push(entry === "insert" && args[0] === usageRecords ? "insert usage" : entry);
  });
}

it("makes no SQL query and one Redis round trip for its limits on a warm call", async () => {
  const key = await createOrgWithKey(gateway, { rpm: 1000, tpm: 1_000_000, maxConcurrency: 10 });
  await gateway.admin(
    `mutation ($key: ID!) {
      setBudget(input: { scope: KEY, scopeId: $key, limitUsd: "100", window: "1d" }) { budget { id } }
    }`,
    { key: key.keyId },
  );
  const chat = { model: "mock/echo", messages: [{ role: "user", content: "count my I/O" }] };
  expect((await gateway.call("/v1/chat/completions", chat, key.secret)).status).toBe(200);
  await gateway.services.background.drain();

  io.sql = [];
  io.redis = [];
  const response = await gateway.call("/v1/chat/completions", chat, key.secret);
  expect(response.status).toBe(200);
  expect(response.headers.get("x-ratelimit-remaining-requests")).not.toBeNull();
  expect(response.headers.get("x-switchyard-budget-remaining-usd")).not.toBeNull();
  expect(io.sql).toEqual([]);
  await response.text();
  await gateway.services.background.drain();

  // Two single commands: the reserve script the answer waited for, then the settle script (off
  // the response path); and one SQL statement after the answer, the usage record.
  expect(io.redis.map((body) => (Array.isArray(body) ? String(body[0]) : "pipeline"))).toEqual([
    "evalsha",
    "evalsha",
  ]);
  expect(io.sql).toEqual(["insert usage"]);
});
