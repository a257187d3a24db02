/**
 * The response cache opted in per virtual key and per model route (`cacheTtlSeconds`), as a client
 * meets it: a hit on the second identical call with one upstream call, nothing cached by default,
 * a request's `no-store` over the key's opt-in, no answer shared across orgs, and no SQL on a
 * warm call to decide. Runs on the embedded stores, and on real ones with DATABASE_URL/REDIS_URL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { orgWithRoute } from "../routing/route-fixture.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";
import { databaseObserved } from "../support/outage.ts";

let upstream: FakeOpenAI;
let gateway: TestGateway;
const queries: string[] = [];

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway({
    observeSql: (db) => databaseObserved(db, (entry) => queries.push(entry)),
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.script({ kind: "complete", deltas: ["Paris"] });
});

/** An org whose key has `keyInput`, with an openai-compatible provider "upstream" on the fake. */
async function tenant(keyInput: Record<string, unknown> = {}) {
  const key = await createOrgWithKey(gateway, keyInput);
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "upstream",
    baseUrl: upstream.baseUrl,
    apiKey: "sk-upstream",
  });
  return key;
}

const question = (model = "upstream/gpt-4o-mini") => ({
  model,
  messages: [{ role: "user", content: "What is the capital of France?" }],
});

/** A call whose background work (the cache write, the settle) has finished. */
async function ask(
  secret: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const response = await gateway.call("/v1/chat/completions", body, secret, headers);
  await response.clone().arrayBuffer();
  await gateway.services.background.drain();
  return response;
}

/** The cache header of each call in turn, and how many of them reached the upstream. */
async function sequence(calls: Array<() => Promise<Response>>) {
  const before = upstream.requests.length;
  const headers: Array<string | null> = [];
  for (const call of calls) {
    const response = await call();
    expect(response.status).toBe(200);
    headers.push(response.headers.get("x-switchyard-cache"));
  }
  return { headers, upstreamCalls: upstream.requests.length - before };
}

describe("a key's cacheTtlSeconds", () => {
  it("answers the second identical call from the cache, calling the upstream once", async () => {
    const key = await tenant({ cacheTtlSeconds: 60 });
    const result = await sequence([
      () => ask(key.secret, question()),
      () => ask(key.secret, question()),
    ]);
    expect(result).toEqual({ headers: ["MISS", "HIT"], upstreamCalls: 1 });
  });

  it("is read back through the admin API and can be set and cleared by updateVirtualKey", async () => {
    const key = await tenant();
    const update = (cacheTtlSeconds: number | null) =>
      gateway.admin<{ updateVirtualKey: { key: { cacheTtlSeconds: number | null } } }>(
        `mutation ($input: UpdateVirtualKeyInput!) {
          updateVirtualKey(input: $input) { key { cacheTtlSeconds } }
        }`,
        { input: { id: key.keyId, cacheTtlSeconds } },
      );
    expect((await update(120)).updateVirtualKey.key.cacheTtlSeconds).toBe(120);
    const on = await sequence([
      () => ask(key.secret, question()),
      () => ask(key.secret, question()),
    ]);
    expect(on.headers).toEqual(["MISS", "HIT"]);

    expect((await update(null)).updateVirtualKey.key.cacheTtlSeconds).toBeNull();
    const off = await sequence([() => ask(key.secret, question())]);
    expect(off).toEqual({ headers: ["MISS"], upstreamCalls: 1 });
  });

  it("is refused out of range (0, or over 7 days)", async () => {
    for (const cacheTtlSeconds of [0, 7 * 24 * 3600 + 1]) {
      const { createOrg } = await gateway.admin<{ createOrg: { org: { id: string } } }>(
        `mutation { createOrg(input: { name: "range" }) { org { id } } }`,
      );
      const response = await gateway.graphql(
        `mutation ($input: CreateVirtualKeyInput!) { createVirtualKey(input: $input) { secret } }`,
        { input: { orgId: createOrg.org.id, name: "k", cacheTtlSeconds } },
      );
      expect(JSON.stringify(response.errors)).toContain("cacheTtlSeconds");
    }
  });

  it("loses to the request's x-switchyard-cache: no-store, which neither reads nor writes", async () => {
    const key = await tenant({ cacheTtlSeconds: 60 });
    const noStore = { "x-switchyard-cache": "no-store" };
    const result = await sequence([
      () => ask(key.secret, question(), noStore),
      () => ask(key.secret, question()),
      () => ask(key.secret, question(), noStore),
      () => ask(key.secret, question()),
    ]);
    // 1: not written; 2: a miss, written; 3: not read; 4: a hit on what 2 stored.
    expect(result).toEqual({ headers: ["MISS", "MISS", "MISS", "HIT"], upstreamCalls: 3 });
  });

  it("never answers another org's call, even for an identical request", async () => {
    const first = await tenant({ cacheTtlSeconds: 60 });
    const second = await tenant({ cacheTtlSeconds: 60 });
    const result = await sequence([
      () => ask(first.secret, question()),
      () => ask(second.secret, question()),
      () => ask(first.secret, question()),
      () => ask(second.secret, question()),
    ]);
    expect(result).toEqual({ headers: ["MISS", "MISS", "HIT", "HIT"], upstreamCalls: 2 });
  });

  it("decides a warm call with no SQL query before the answer", async () => {
    const key = await tenant({ cacheTtlSeconds: 60 });
    await ask(key.secret, question());
    queries.length = 0;
    const response = await gateway.call("/v1/chat/completions", question(), key.secret);
    expect(response.headers.get("x-switchyard-cache")).toBe("HIT");
    expect(queries).toEqual([]);
    await response.text();
    await gateway.services.background.drain();
  });
});

describe("a route's cacheTtlSeconds", () => {
  it("answers the second identical call through the alias from the cache", async () => {
    const org = await orgWithRoute(gateway, [upstream], { cacheTtlSeconds: 300 });
    const result = await sequence([
      () => ask(org.secret, question("smart")),
      () => ask(org.secret, question("smart")),
    ]);
    expect(result).toEqual({ headers: ["MISS", "HIT"], upstreamCalls: 1 });
  });

  it("does not cache calls that name the provider directly, outside the route", async () => {
    const org = await orgWithRoute(gateway, [upstream], { cacheTtlSeconds: 300 });
    const result = await sequence([
      () => ask(org.secret, question("up0/model-0")),
      () => ask(org.secret, question("up0/model-0")),
    ]);
    expect(result).toEqual({ headers: ["MISS", "MISS"], upstreamCalls: 2 });
  });

  it("is set and turned off by updateModelRoute, seen on the next call", async () => {
    const org = await orgWithRoute(gateway, [upstream]);
    const update = (cacheTtlSeconds: number | null) =>
      gateway.admin<{ updateModelRoute: { route: { cacheTtlSeconds: number | null } } }>(
        `mutation ($input: UpdateModelRouteInput!) {
          updateModelRoute(input: $input) { route { cacheTtlSeconds } }
        }`,
        { input: { id: org.routeId, cacheTtlSeconds } },
      );
    const off = await sequence([
      () => ask(org.secret, question("smart")),
      () => ask(org.secret, question("smart")),
    ]);
    expect(off).toEqual({ headers: ["MISS", "MISS"], upstreamCalls: 2 });

    expect((await update(30)).updateModelRoute.route.cacheTtlSeconds).toBe(30);
    const on = await sequence([
      () => ask(org.secret, question("smart")),
      () => ask(org.secret, question("smart")),
    ]);
    expect(on).toEqual({ headers: ["MISS", "HIT"], upstreamCalls: 1 });

    expect((await update(null)).updateModelRoute.route.cacheTtlSeconds).toBeNull();
    const offAgain = await sequence([() => ask(org.secret, question("smart"))]);
    expect(offAgain).toEqual({ headers: ["MISS"], upstreamCalls: 1 });
  });

  it("loses to the request's no-store", async () => {
    const org = await orgWithRoute(gateway, [upstream], { cacheTtlSeconds: 300 });
    await ask(org.secret, question("smart"));
    const result = await sequence([
      () => ask(org.secret, question("smart"), { "x-switchyard-cache": "no-store" }),
    ]);
    expect(result).toEqual({ headers: ["MISS"], upstreamCalls: 1 });
  });
});

describe("by default", () => {
  it("caches nothing when neither key, route nor request opts in", async () => {
    const key = await tenant();
    const result = await sequence([
      () => ask(key.secret, question()),
      () => ask(key.secret, question()),
    ]);
    expect(result).toEqual({ headers: ["MISS", "MISS"], upstreamCalls: 2 });
  });
});
