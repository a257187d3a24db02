/**
 * The response cache as a client meets it: opt-in per request with `x-switchyard-cache`, an
 * exact-match hit answers without calling the provider and costs nothing, and an entry never
 * crosses orgs. Runs on the embedded Redis, and on a real one with REDIS_URL.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { formatNanoUsd } from "../../schema/types/usd.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  rawId,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";

let upstream: FakeOpenAI;
let gateway: TestGateway;
/** The gateway's clock, moved by the tests that need time to pass. */
let now = Date.now();

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway({ clock: () => now });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.script({ kind: "complete", deltas: ["Hello", ", world"] });
});

interface Tenant {
  orgId: string;
  keyId: string;
  secret: string;
}

/** A fresh org with a key and an openai-compatible provider "upstream" on the fake. */
async function tenant(keyInput: Record<string, unknown> = {}): Promise<Tenant> {
  const key = await createOrgWithKey(gateway, keyInput);
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "upstream",
    baseUrl: upstream.baseUrl,
    apiKey: "sk-upstream",
  });
  return key;
}

const question = (extra: Record<string, unknown> = {}) => ({
  model: "upstream/gpt-4o-mini",
  messages: [{ role: "user", content: "What is the capital of France?" }],
  temperature: 0,
  ...extra,
});

const maxAge = (seconds: number) => ({ "x-switchyard-cache": `max-age=${seconds}` });

/** A call, with the background work it started (the cache write, the settle) finished. */
async function ask(
  tenantKey: Tenant,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const response = await gateway.call("/v1/chat/completions", body, tenantKey.secret, headers);
  await response.clone().arrayBuffer();
  await gateway.services.background.drain();
  return response;
}

async function upstreamCalls<T>(during: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const before = upstream.requests.length;
  const result = await during();
  return { result, calls: upstream.requests.length - before };
}

describe("hit and miss", () => {
  it("answers a repeated request from the cache without calling the provider", async () => {
    const org = await tenant();
    const first = await ask(org, question(), maxAge(60));
    expect(first.headers.get("x-switchyard-cache")).toBe("MISS");

    const { result: second, calls } = await upstreamCalls(() => ask(org, question(), maxAge(60)));
    expect(calls).toBe(0);
    expect(second.status).toBe(200);
    expect(second.headers.get("x-switchyard-cache")).toBe("HIT");
    expect(await second.json()).toEqual(await first.json());
  });

  it("reports a hit as free, with the deployment that produced the answer and no attempts", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(60));
    const hit = await ask(org, question(), maxAge(60));
    expect(hit.headers.get("x-switchyard-cost-usd")).toBe("0.000000000");
    expect(hit.headers.get("x-switchyard-provider")).toBe("upstream");
    expect(hit.headers.get("x-switchyard-model")).toBe("gpt-4o-mini");
    expect(hit.headers.get("x-switchyard-attempts")).toBe("0");
  });

  it("records a hit in usage as a cache hit with no tokens and no cost", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(60));
    const hit = await ask(org, question(), maxAge(60));
    const [record] = await gateway.services.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.requestId, hit.headers.get("x-request-id") ?? ""));
    expect(record).toMatchObject({
      cacheHit: true,
      status: 200,
      provider: "upstream",
      model: "gpt-4o-mini",
      inputTokens: 0,
      outputTokens: 0,
      costNanoUsd: 0,
      attempts: 0,
    });
  });

  it("misses for a request that differs in any parameter of the answer", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(60));
    const { result, calls } = await upstreamCalls(() =>
      ask(org, question({ temperature: 0.7 }), maxAge(60)),
    );
    expect(calls).toBe(1);
    expect(result.headers.get("x-switchyard-cache")).toBe("MISS");
  });

  it("finds the entry whatever the order of the JSON keys", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(60));
    const reordered = `{"temperature":0,"messages":[{"content":"What is the capital of France?","role":"user"}],"model":"upstream/gpt-4o-mini"}`;
    const hit = await ask(org, reordered, maxAge(60));
    expect(hit.headers.get("x-switchyard-cache")).toBe("HIT");
  });
});

describe("opting in and out", () => {
  it("neither reads nor writes the cache for a request without the header", async () => {
    const org = await tenant();
    await ask(org, question());
    const { result, calls } = await upstreamCalls(() => ask(org, question(), maxAge(60)));
    expect(calls).toBe(1);
    expect(result.headers.get("x-switchyard-cache")).toBe("MISS");
    const again = await upstreamCalls(() => ask(org, question()));
    expect(again.calls).toBe(1);
  });

  it("neither reads nor writes the cache for a no-store request", async () => {
    const org = await tenant();
    await ask(org, question(), { "x-switchyard-cache": "no-store" });
    expect((await ask(org, question(), maxAge(60))).headers.get("x-switchyard-cache")).toBe("MISS");
    const { result, calls } = await upstreamCalls(() =>
      ask(org, question(), { "x-switchyard-cache": "no-store" }),
    );
    expect(calls).toBe(1);
    expect(result.headers.get("x-switchyard-cache")).toBe("MISS");
  });

  it.each(["max-age=0", "max-age=-5", "max-age=604801", "max-age=1.5", "max-age", "public", ""])(
    "refuses the header value %j with a 400 before calling the provider",
    async (value) => {
      const org = await tenant();
      const { result, calls } = await upstreamCalls(() =>
        ask(org, question(), { "x-switchyard-cache": value }),
      );
      expect(calls).toBe(0);
      expect(result.status).toBe(400);
      expect((await result.json()).error).toMatchObject({
        type: "invalid_request_error",
        code: "invalid_request",
      });
    },
  );
});

describe("expiry", () => {
  it("misses once the entry is older than the max-age", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(60));
    now += 61_000;
    const { result, calls } = await upstreamCalls(() => ask(org, question(), maxAge(60)));
    expect(calls).toBe(1);
    expect(result.headers.get("x-switchyard-cache")).toBe("MISS");
  });

  it("misses when the request accepts a shorter age than the entry has", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(600));
    now += 120_000;
    expect((await ask(org, question(), maxAge(60))).headers.get("x-switchyard-cache")).toBe("MISS");
  });

  it("stores the entry in Redis with the max-age as its expiry", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(1));
    const keys = await cacheKeys(org);
    expect(keys).toHaveLength(1);
    const ttl = await gateway.services.redis.redis.pttl(keys[0] ?? "");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1_000);
  });
});

describe("damaged entries", () => {
  it("treats an entry it cannot read as a miss, and replaces it", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(60));
    const [key] = await cacheKeys(org);
    await gateway.services.redis.redis.set(key ?? "", JSON.stringify({ completion: "garbage" }));
    const { result, calls } = await upstreamCalls(() => ask(org, question(), maxAge(60)));
    expect(calls).toBe(1);
    expect(result.status).toBe(200);
    expect(result.headers.get("x-switchyard-cache")).toBe("MISS");
    expect((await ask(org, question(), maxAge(60))).headers.get("x-switchyard-cache")).toBe("HIT");
  });
});

describe("streams", () => {
  it("replays a cached answer as a stream to a streaming request", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(60));
    const { result, calls } = await upstreamCalls(() =>
      ask(org, question({ stream: true }), maxAge(60)),
    );
    expect(calls).toBe(0);
    expect(result.headers.get("content-type")).toContain("text/event-stream");
    expect(result.headers.get("x-switchyard-cache")).toBe("HIT");
    const events = sseData(await result.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data));
    const content = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
    expect(content).toBe("Hello, world");
    expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it("ends a replay with the usage chunk when the request asks for include_usage", async () => {
    const org = await tenant();
    await ask(org, question(), maxAge(60));
    const body = question({ stream: true, stream_options: { include_usage: true } });
    const events = sseData(await (await ask(org, body, maxAge(60))).text());
    const last = JSON.parse(events.at(-2) ?? "{}");
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 3 });
  });
});

describe("streamed answers", () => {
  it("stores a streamed answer once the stream has ended, for streaming and JSON requests alike", async () => {
    const org = await tenant();
    upstream.script({ kind: "stream", deltas: ["Par", "is"] });
    const miss = await ask(org, question({ stream: true }), maxAge(60));
    expect(miss.headers.get("x-switchyard-cache")).toBe("MISS");

    const { result: json, calls } = await upstreamCalls(() => ask(org, question(), maxAge(60)));
    expect(calls).toBe(0);
    expect(json.headers.get("x-switchyard-cache")).toBe("HIT");
    const completion = await json.json();
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]).toMatchObject({
      message: { role: "assistant", content: "Paris" },
      finish_reason: "stop",
    });
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 3 });

    const replay = await ask(org, question({ stream: true }), maxAge(60));
    expect(replay.headers.get("x-switchyard-cache")).toBe("HIT");
    const content = sseData(await replay.text())
      .slice(0, -1)
      .map((data) => JSON.parse(data).choices[0]?.delta?.content ?? "")
      .join("");
    expect(content).toBe("Paris");
  });

  it("does not store a stream the upstream cut off", async () => {
    const org = await tenant();
    upstream.script({ kind: "stream", deltas: ["Par", "is"], disconnectAfter: 2 });
    await (await ask(org, question({ stream: true }), maxAge(60))).text();
    upstream.script({ kind: "complete" });
    const { result, calls } = await upstreamCalls(() => ask(org, question(), maxAge(60)));
    expect(calls).toBe(1);
    expect(result.headers.get("x-switchyard-cache")).toBe("MISS");
  });
});

describe("size bound", () => {
  it("does not store an answer over 1 MiB", async () => {
    const org = await tenant();
    upstream.script({ kind: "complete", deltas: ["x".repeat(1024 * 1024)] });
    expect((await ask(org, question(), maxAge(60))).status).toBe(200);
    upstream.script({ kind: "complete" });
    const { result, calls } = await upstreamCalls(() => ask(org, question(), maxAge(60)));
    expect(calls).toBe(1);
    expect(result.headers.get("x-switchyard-cache")).toBe("MISS");
  });
});

describe("tenants", () => {
  it("never answers one org with another org's entry for the same request", async () => {
    const orgA = await tenant();
    const orgB = await tenant();
    await ask(orgA, question(), maxAge(60));
    const { result, calls } = await upstreamCalls(() => ask(orgB, question(), maxAge(60)));
    expect(calls).toBe(1);
    expect(result.headers.get("x-switchyard-cache")).toBe("MISS");
  });
});

describe("limits", () => {
  it("counts a hit as a request against the key's RPM", async () => {
    const org = await tenant({ rpm: 1000 });
    await ask(org, question(), maxAge(60));
    const hit = await ask(org, question(), maxAge(60));
    expect(hit.headers.get("x-switchyard-cache")).toBe("HIT");
    expect(hit.headers.get("x-ratelimit-remaining-requests")).toBe("998");
  });

  it("charges no tokens against the key's TPM for a hit", async () => {
    const org = await tenant({ tpm: 100_000 });
    await ask(org, question(), maxAge(60));
    const firstHit = await ask(org, question(), maxAge(60));
    const secondHit = await ask(org, question(), maxAge(60));
    expect(secondHit.headers.get("x-switchyard-cache")).toBe("HIT");
    expect(secondHit.headers.get("x-ratelimit-remaining-tokens")).toBe(
      firstHit.headers.get("x-ratelimit-remaining-tokens"),
    );
  });

  it("spends nothing of the key's budget for a hit", async () => {
    const org = await tenant();
    const { setBudget } = await gateway.admin<{ setBudget: { budget: { id: string } } }>(
      `mutation ($input: SetBudgetInput!) { setBudget(input: $input) { budget { id } } }`,
      {
        input: {
          scope: "KEY",
          scopeId: org.keyId,
          limitUsd: formatNanoUsd(10n ** 9n),
          window: "1d",
        },
      },
    );
    const budgetKey = `${gateway.services.config.redisNamespace}bud:${rawId(setBudget.budget.id)}`;
    const spent = async () => Number(await gateway.services.redis.redis.hget(budgetKey, "spent"));
    await ask(org, question(), maxAge(60));
    const afterMiss = await spent();
    expect(afterMiss).toBeGreaterThan(0);
    expect((await ask(org, question(), maxAge(60))).headers.get("x-switchyard-cache")).toBe("HIT");
    expect(await spent()).toBe(afterMiss);
    const holds = await gateway.services.redis.redis.hlen(`${budgetKey}:holds`);
    expect(holds).toBe(0);
  });
});

/** The org's cache entries in Redis. */
async function cacheKeys(org: Tenant): Promise<string[]> {
  const match = `${gateway.services.config.redisNamespace}cache:${rawId(org.orgId)}:*`;
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await gateway.services.redis.redis.scan(cursor, { match, count: 1000 });
    found.push(...keys);
    cursor = String(next);
  } while (cursor !== "0");
  return found;
}

/** The `data:` payloads of an SSE body, in order. */
function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length));
}
