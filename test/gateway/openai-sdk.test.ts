/** The official `openai` SDK, pointed at a running gateway, works unchanged. */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let server: ReturnType<typeof serve>;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startTestGateway();
  const key = await createOrgWithKey(gateway);
  const port = await new Promise<number>((resolve) => {
    server = serve(
      { fetch: gateway.app.fetch, port: 0, hostname: "127.0.0.1" },
      (info: AddressInfo) => resolve(info.port),
    );
  });
  client = new OpenAI({
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey: key.secret,
    maxRetries: 0,
  });
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await gateway?.close();
});

describe("the openai SDK against Switchyard", () => {
  it("creates a chat completion", async () => {
    const completion = await client.chat.completions.create({
      model: "mock/echo",
      messages: [{ role: "user", content: "from the SDK" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Echo: from the SDK");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("streams a chat completion, usage included", async () => {
    const stream = await client.chat.completions.create({
      model: "mock/echo",
      messages: [{ role: "user", content: "streamed SDK" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let totalTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      totalTokens = chunk.usage?.total_tokens ?? totalTokens;
    }
    expect(text).toBe("Echo: streamed SDK");
    expect(totalTokens).toBeGreaterThan(0);
  });

  it("surfaces gateway errors as the SDK's typed errors", async () => {
    const failure = await client.chat.completions
      .create({ model: "nowhere/model", messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
    expect((failure as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("lists the models the key may use", async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain("mock/echo");
  });
});
