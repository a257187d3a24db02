import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let key: { orgId: string; keyId: string; secret: string };

beforeAll(async () => {
  gateway = await startTestGateway();
  key = await createOrgWithKey(gateway);
});
afterAll(() => gateway?.close());

const hello = { model: "mock/echo", messages: [{ role: "user", content: "hello switchyard" }] };

async function readSse(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length));
}

describe("POST /v1/chat/completions with mock/echo", () => {
  it("runs over the stores this test run asked for", () => {
    expect(gateway.services.redis.transport).toBe(process.env.REDIS_URL ? "tcp" : "embedded");
    expect(gateway.services.sql.driver).toBe(
      !process.env.DATABASE_URL
        ? "pglite"
        : process.env.SWITCHYARD_SQL_DRIVER === "neon"
          ? "neon"
          : "pg",
    );
  });

  it("answers in the OpenAI chat completion shape", async () => {
    const response = await gateway.call("/v1/chat/completions", hello, key.secret);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0].message).toMatchObject({
      role: "assistant",
      content: "Echo: hello switchyard",
    });
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
  });

  it("says who answered, what it cost and which request it was in headers", async () => {
    const response = await gateway.call("/v1/chat/completions", hello, key.secret);
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get("x-switchyard-provider")).toBe("mock");
    expect(response.headers.get("x-switchyard-model")).toBe("echo");
    expect(response.headers.get("x-switchyard-attempts")).toBe("1");
    expect(response.headers.get("x-switchyard-cache")).toBe("MISS");
    expect(Number(response.headers.get("x-switchyard-cost-usd"))).toBeGreaterThan(0);
  });

  it("streams the same answer as server-sent events ending in [DONE]", async () => {
    const response = await gateway.call(
      "/v1/chat/completions",
      { ...hello, stream: true },
      key.secret,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = await readSse(response);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.object).toBe("chat.completion.chunk");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("Echo: hello switchyard");
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it("adds a usage chunk to the stream when stream_options.include_usage is set", async () => {
    const response = await gateway.call(
      "/v1/chat/completions",
      { ...hello, stream: true, stream_options: { include_usage: true } },
      key.secret,
    );
    const events = await readSse(response);
    const last = JSON.parse(events.at(-2) ?? "{}");
    expect(last.choices).toEqual([]);
    expect(last.usage.prompt_tokens).toBeGreaterThan(0);
    expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + last.usage.completion_tokens);
  });

  it("accepts the key as x-api-key too", async () => {
    const response = await gateway.app.fetch(
      new Request("http://switchyard.test/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key.secret },
        body: JSON.stringify(hello),
      }),
    );
    expect(response.status).toBe(200);
  });
});

describe("usage accounting", () => {
  it("records every call, streamed or not, with tokens, cost and latency", async () => {
    const fresh = await createOrgWithKey(gateway);
    await gateway.call("/v1/chat/completions", hello, fresh.secret);
    const streamed = await gateway.call(
      "/v1/chat/completions",
      { ...hello, stream: true },
      fresh.secret,
    );
    await streamed.text();
    await gateway.services.background.drain();

    const answer = await gateway.admin<{
      usage: {
        edges: Array<{
          node: {
            requests: number;
            inputTokens: number;
            outputTokens: number;
            costUsd: number;
            model: string;
          };
        }>;
      };
    }>(
      `query ($filter: UsageFilter!) {
        usage(filter: $filter, groupBy: [MODEL]) {
          edges { node { requests inputTokens outputTokens costUsd model } }
        }
      }`,
      {
        filter: {
          orgId: fresh.orgId,
          from: new Date(Date.now() - 60_000).toISOString(),
          to: new Date(Date.now() + 60_000).toISOString(),
        },
      },
    );
    const usage = answer.usage.edges.map((edge) => edge.node);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ requests: 2, model: "echo" });
    expect(usage[0]?.inputTokens).toBeGreaterThan(0);
    expect(usage[0]?.outputTokens).toBeGreaterThan(0);
    expect(usage[0]?.costUsd).toBeGreaterThan(0);
  });

  it("keeps usage of one org out of another org's totals", async () => {
    const other = await createOrgWithKey(gateway);
    await gateway.services.background.drain();
    const { usage } = await gateway.admin<{
      usage: { edges: Array<{ node: { requests: number } }> };
    }>(`query ($filter: UsageFilter!) { usage(filter: $filter) { edges { node { requests } } } }`, {
      filter: {
        orgId: other.orgId,
        from: new Date(Date.now() - 60_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      },
    });
    expect(usage.edges.map((edge) => edge.node)).toEqual([{ requests: 0 }]);
  });
});
