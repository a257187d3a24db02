/** The cache key: same answer-relevant request and org → same key; anything else → another. */
import { describe, expect, it } from "vitest";
import { cacheKeyOf } from "../../functions/cache/cache-key.ts";
import {
  type ChatCompletionRequest,
  parseChatCompletionRequest,
} from "../../functions/protocols/openai/chat.ts";

function request(body: Record<string, unknown>): ChatCompletionRequest {
  const parsed = parseChatCompletionRequest({
    model: "openai/gpt-4o-mini",
    messages: [{ role: "user", content: "hi" }],
    ...body,
  });
  if (!parsed.ok) throw new Error(parsed.problem.message);
  return parsed.value;
}

const ORG = "00000000-0000-4000-8000-000000000001";
const OTHER_ORG = "00000000-0000-4000-8000-000000000002";

describe("cache key", () => {
  it("is a SHA-256 in hex", async () => {
    expect(await cacheKeyOf(ORG, request({}))).toMatch(/^[0-9a-f]{64}$/);
  });

  it("does not depend on the order of keys in the request", async () => {
    // Parsing puts known fields in schema order; unknown fields and JSON Schema parameters keep
    // the client's order, so those are where a client's key order survives into the key.
    const tool = (parameters: Record<string, unknown>) => ({
      tools: [{ type: "function", function: { name: "lookup", parameters } }],
    });
    const a = request({
      ...tool({ type: "object", properties: { city: { type: "string" } } }),
      vendor_a: 1,
      vendor_b: 2,
    });
    const b = request({
      vendor_b: 2,
      vendor_a: 1,
      ...tool({ properties: { city: { type: "string" } }, type: "object" }),
    });
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(await cacheKeyOf(ORG, a)).toBe(await cacheKeyOf(ORG, b));
  });

  it("ignores stream, stream_options, user and parameters set to null", async () => {
    const plain = await cacheKeyOf(ORG, request({}));
    const decorated = request({
      stream: true,
      stream_options: { include_usage: true },
      user: "u-42",
      temperature: null,
    });
    expect(await cacheKeyOf(ORG, decorated)).toBe(plain);
  });

  it("differs for another org", async () => {
    expect(await cacheKeyOf(ORG, request({}))).not.toBe(await cacheKeyOf(OTHER_ORG, request({})));
  });

  it.each([
    ["model", { model: "openai/gpt-4o" }],
    ["messages", { messages: [{ role: "user", content: "hello" }] }],
    ["temperature", { temperature: 0.5 }],
    ["tools", { tools: [{ type: "function", function: { name: "f" } }] }],
    ["an unknown parameter", { reasoning: { effort: "high" } }],
  ])("differs when %s differs", async (_name, change) => {
    expect(await cacheKeyOf(ORG, request(change))).not.toBe(await cacheKeyOf(ORG, request({})));
  });
});
