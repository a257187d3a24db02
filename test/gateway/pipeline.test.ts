/**
 * The frame every endpoint runs in (functions/gateway/pipeline.ts): errors become the one error
 * shape, and every call is settled exactly once from its context, however it ended.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { UsageRecord } from "../../functions/accounting/usage-record.ts";
import { GatewayError } from "../../functions/gateway/errors.ts";
import { type EndpointSpec, runEndpoint } from "../../functions/gateway/pipeline.ts";
import { authenticate } from "../../functions/gateway/steps/authenticate.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let key: { orgId: string; keyId: string; secret: string };
let recorded: UsageRecord[];

beforeAll(async () => {
  gateway = await startTestGateway();
  key = await createOrgWithKey(gateway);
});
afterAll(() => gateway?.close());

function spyOnUsage(): void {
  recorded = [];
  vi.spyOn(gateway.services.usage, "record").mockImplementation(async (record) => {
    recorded.push(record);
  });
}
afterEach(() => vi.restoreAllMocks());

function request(headers: Record<string, string> = {}): Request {
  return new Request("http://switchyard.test/v1/test", {
    method: "POST",
    headers: { authorization: `Bearer ${key.secret}`, ...headers },
  });
}

async function run(spec: EndpointSpec, req = request()): Promise<Response> {
  const response = await runEndpoint(spec, req, gateway.services, "req_test");
  return response;
}

describe("the endpoint frame", () => {
  it("settles an answered call once, with the status the client got", async () => {
    spyOnUsage();
    const response = await run({
      endpoint: "/v1/test",
      metered: true,
      async stages(call) {
        call.requestedModel = "mock/echo";
        await authenticate(call);
        return new Response("ok", { status: 201 });
      },
    });
    await gateway.services.background.drain();
    expect(response.status).toBe(201);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      requestId: "req_test",
      endpoint: "/v1/test",
      model: "mock/echo",
      status: 201,
      attempts: 0,
    });
  });

  it("answers a stage's refusal in the OpenAI error shape and accounts it", async () => {
    spyOnUsage();
    const response = await run({
      endpoint: "/v1/test",
      metered: true,
      async stages(call) {
        await authenticate(call);
        throw new GatewayError("model_not_allowed", "not this one", { param: "model" });
      },
    });
    await gateway.services.background.drain();
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: {
        message: "not this one",
        type: "permission_error",
        code: "model_not_allowed",
        param: "model",
      },
    });
    expect(recorded.map((record) => record.status)).toEqual([403]);
  });

  it("hides an unexpected failure behind a 500 and logs it", async () => {
    spyOnUsage();
    const logged = vi.spyOn(gateway.services.log, "error");
    const response = await run({
      endpoint: "/v1/test",
      metered: true,
      async stages() {
        throw new Error("secret internal detail");
      },
    });
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain("secret internal detail");
    expect(logged).toHaveBeenCalledWith(
      "gateway call failed",
      expect.objectContaining({ requestId: "req_test" }),
    );
  });

  it("does not account a call that never authenticated", async () => {
    spyOnUsage();
    const response = await run(
      {
        endpoint: "/v1/test",
        metered: true,
        async stages(call) {
          await authenticate(call);
          return new Response("unreachable");
        },
      },
      request({ authorization: "Bearer nope" }),
    );
    await gateway.services.background.drain();
    expect(response.status).toBe(401);
    expect(recorded).toEqual([]);
  });

  it("does not account an unmetered endpoint", async () => {
    spyOnUsage();
    await run({
      endpoint: "/v1/test",
      metered: false,
      async stages(call) {
        await authenticate(call);
        return new Response("free");
      },
    });
    await gateway.services.background.drain();
    expect(recorded).toEqual([]);
  });
});

describe("POST /v1/chat/completions through the frame", () => {
  const body = {
    model: "mock/echo",
    stream: true,
    messages: [{ role: "user", content: "count the settles" }],
  };

  it("settles a stream when it ends, not when the response is returned", async () => {
    spyOnUsage();
    const response = await gateway.call("/v1/chat/completions", body, key.secret);
    await gateway.services.background.drain();
    expect(recorded).toEqual([]);
    await response.text();
    await gateway.services.background.drain();
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ status: 200, stream: true, attempts: 1 });
    expect(recorded[0]?.outputTokens).toBeGreaterThan(0);
  });

  it("settles a stream the client cancels once, as 499", async () => {
    // Chunks 20 ms apart: mock/echo's are all ready at once and leave in one write (sse.ts), so
    // its stream would have ended before the client could cancel it.
    await gateway.admin(
      `mutation ($orgId: ID!) {
        createProvider(input: { orgId: $orgId, kind: "mock", name: "slow", config: { chunkDelayMs: 20 } }) { provider { id } }
      }`,
      { orgId: key.orgId },
    );
    spyOnUsage();
    const response = await gateway.call(
      "/v1/chat/completions",
      { ...body, model: "slow/echo" },
      key.secret,
    );
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    await gateway.services.background.drain();
    expect(recorded.map((record) => record.status)).toEqual([499]);
  });
});

describe("GET /v1/models through the shared stages", () => {
  it("refuses a missing key with the same 401 as a completion", async () => {
    const response = await gateway.app.fetch(new Request("http://switchyard.test/v1/models"));
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe("missing_api_key");
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  });
});
