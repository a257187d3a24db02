/**
 * Every malformed or unauthorised call gets the documented status and OpenAI's error body, no
 * internals leak, and the gateway goes on serving.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";

let gateway: TestGateway;
let upstream: FakeOpenAI;
let key: { orgId: string; keyId: string; secret: string };

const MAX_BODY_BYTES = 64 * 1024;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway({ env: { SWITCHYARD_MAX_BODY_BYTES: String(MAX_BODY_BYTES) } });
  key = await createOrgWithKey(gateway);
  // A real upstream behind `up/…`, so a test can tell whether a request got that far.
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "up",
    baseUrl: upstream.baseUrl,
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const hello = { model: "mock/echo", messages: [{ role: "user", content: "hi" }] };

interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

async function expectOpenAIError(
  response: Response,
  status: number,
  expected: Partial<OpenAIErrorBody["error"]>,
): Promise<OpenAIErrorBody> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  const text = await response.text();
  // No stack trace or internal detail: no "at file:line" frames, no error class names.
  expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules|TypeError|ReferenceError/);
  const body = JSON.parse(text) as OpenAIErrorBody;
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error).toMatchObject(expected);
  return body;
}

describe("bad input", () => {
  it("rejects malformed JSON with 400 invalid_json", async () => {
    const response = await gateway.call(
      "/v1/chat/completions",
      '{"model": "mock/echo",',
      key.secret,
    );
    await expectOpenAIError(response, 400, { type: "invalid_request_error", code: "invalid_json" });
  });

  it("rejects an empty body with 400", async () => {
    const response = await gateway.call("/v1/chat/completions", "", key.secret);
    await expectOpenAIError(response, 400, { code: "invalid_json" });
  });

  it("rejects a body without model, naming the field", async () => {
    const response = await gateway.call(
      "/v1/chat/completions",
      { messages: hello.messages },
      key.secret,
    );
    await expectOpenAIError(response, 400, { type: "invalid_request_error", param: "model" });
  });

  it("rejects messages that are not an array, naming the field", async () => {
    const response = await gateway.call(
      "/v1/chat/completions",
      { model: "mock/echo", messages: "hello" },
      key.secret,
    );
    await expectOpenAIError(response, 400, { param: "messages" });
  });

  it("rejects a JSON body that is not an object", async () => {
    const response = await gateway.call("/v1/chat/completions", [1, 2, 3], key.secret);
    await expectOpenAIError(response, 400, { type: "invalid_request_error" });
  });

  it("rejects a body over the limit with 413", async () => {
    const big = { ...hello, messages: [{ role: "user", content: "x".repeat(MAX_BODY_BYTES) }] };
    const response = await gateway.call("/v1/chat/completions", big, key.secret);
    await expectOpenAIError(response, 413, { code: "request_too_large" });
  });

  it("rejects a body over the limit with 413 even when it is streamed without a length", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await gateway.app.fetch(
      new Request("http://switchyard.test/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit),
    );
    await expectOpenAIError(response, 413, { code: "request_too_large" });
  });
});

describe("model names", () => {
  it.each([
    ["a NUL byte", "up/ec\u0000ho"],
    ["a line break", "up/gpt-4o\nx-injected: 1"],
    ["a tab", "up/gpt\t4o"],
    ["a space", "up/gpt 4o"],
    ["non-ASCII letters", "up/gpt-4o-é"],
    ["257 characters", `up/${"x".repeat(254)}`],
  ])("refuses a model name with %s before calling the upstream", async (_, model) => {
    const before = upstream.requests.length;
    const response = await gateway.call("/v1/chat/completions", { ...hello, model }, key.secret);
    await expectOpenAIError(response, 400, { type: "invalid_request_error", param: "model" });
    expect(response.headers.get("x-switchyard-model")).toBeNull();
    expect(upstream.requests.length).toBe(before);
  });

  it("accepts a model name of 256 visible ASCII characters and calls the upstream with it", async () => {
    const name = `v1.2:${"x".repeat(243)}-_~@+`;
    const model = `up/${name}`;
    expect(model).toHaveLength(256);
    const before = upstream.requests.length;
    const response = await gateway.call("/v1/chat/completions", { ...hello, model }, key.secret);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-model")).toBe(name);
    expect(upstream.requests.length).toBe(before + 1);
  });
});

describe("deeply nested JSON", () => {
  /** `parameters` nesting arrays `depth` levels deep, as text (JSON.stringify would overflow). */
  function toolCallBody(depth: number): string {
    const parameters = `{"type":"object","default":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    return `{"model":"up/gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"deep","parameters":${parameters}}}]}`;
  }

  it("refuses a tool schema nested 30,000 levels deep with 400, before calling the upstream", async () => {
    const before = upstream.requests.length;
    const body = toolCallBody(30_000);
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    const response = await gateway.call("/v1/chat/completions", body, key.secret);
    const error = await expectOpenAIError(response, 400, { type: "invalid_request_error" });
    expect(error.error.message).toContain("more than 100 levels deep");
    expect(upstream.requests.length).toBe(before);
  });

  it("passes a tool schema 90 levels deep through to the upstream", async () => {
    const before = upstream.requests.length;
    const response = await gateway.call("/v1/chat/completions", toolCallBody(90), key.secret);
    expect(response.status).toBe(200);
    expect(upstream.requests.length).toBe(before + 1);
  });
});

describe("content type", () => {
  function post(contentType: string | null): Promise<Response> {
    const headers = new Headers({ authorization: `Bearer ${key.secret}` });
    if (contentType !== null) headers.set("content-type", contentType);
    return gateway.app.fetch(
      new Request("http://switchyard.test/v1/chat/completions", {
        method: "POST",
        headers,
        // Bytes, not a string: a string body would bring its own text/plain content type.
        body: new TextEncoder().encode(JSON.stringify(hello)),
      }),
    );
  }

  it.each([
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
  ])("answers 415 to a body sent as %s", async (contentType) => {
    const response = await post(contentType);
    const body = await expectOpenAIError(response, 415, {
      type: "invalid_request_error",
      code: "unsupported_media_type",
    });
    expect(body.error.message).toContain("Content-Type: application/json");
  });

  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON",
    "application/vnd.api+json",
  ])("accepts a body sent as %s", async (contentType) => {
    expect((await post(contentType)).status).toBe(200);
  });

  it("reads a body sent without a content type as JSON", async () => {
    expect((await post(null)).status).toBe(200);
  });
});

describe("trace id and metadata headers", () => {
  const withHeaders = (headers: Record<string, string>) =>
    gateway.call("/v1/chat/completions", hello, key.secret, headers);

  it.each([
    ["a NUL in a nested key", '{"tags":{"team\\u0000":"search"}}'],
    ["a NUL in a nested string", '{"tags":["ok","bad\\u0000"]}'],
    ["a control character in a string", '{"note":"bell\\u0007"}'],
    ["an unpaired surrogate", '{"note":"\\ud800"}'],
    ["a JSON array", '["team","search"]'],
    ["a JSON string", '"team"'],
  ])("refuses metadata with %s", async (_, metadata) => {
    const response = await withHeaders({ "x-switchyard-metadata": metadata });
    const body = await expectOpenAIError(response, 400, { type: "invalid_request_error" });
    expect(body.error.message).toContain("x-switchyard-metadata");
  });

  it("refuses a trace id longer than 200 characters", async () => {
    const response = await withHeaders({ "x-switchyard-trace-id": "t".repeat(201) });
    const body = await expectOpenAIError(response, 400, { type: "invalid_request_error" });
    expect(body.error.message).toContain("x-switchyard-trace-id");
  });

  it("refuses a trace id with a control character", async () => {
    const response = await withHeaders({ "x-switchyard-trace-id": "trace\tone" });
    await expectOpenAIError(response, 400, { type: "invalid_request_error" });
  });

  it("stores a trace id and nested metadata that follow the rules", async () => {
    const response = await withHeaders({
      "x-switchyard-trace-id": "4bf92f3577b34da6a3ce929d0e0e4736",
      "x-switchyard-metadata": '{"team":"search","tags":["a","b"],"ab":{"arm":"b\\u00e9ta"}}',
    });
    expect(response.status).toBe(200);
    await gateway.services.background.drain();
    const requestId = response.headers.get("x-request-id") ?? "";
    const [row] = await gateway.services.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.requestId, requestId));
    expect(row?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(row?.metadata).toEqual({ team: "search", tags: ["a", "b"], ab: { arm: "béta" } });
  });
});

describe("authentication and authorisation", () => {
  it("answers 401 without a key", async () => {
    const response = await gateway.app.fetch(
      new Request("http://switchyard.test/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(hello),
      }),
    );
    await expectOpenAIError(response, 401, {
      type: "authentication_error",
      code: "missing_api_key",
    });
  });

  it("answers 401 for an unknown key", async () => {
    const unknown = `${key.secret.slice(0, 3)}${"A".repeat(key.secret.length - 3)}`;
    const response = await gateway.call("/v1/chat/completions", hello, unknown);
    await expectOpenAIError(response, 401, { code: "invalid_api_key" });
  });

  it("answers 401 for a key with a typo (checksum mismatch)", async () => {
    const last = key.secret.at(-1) === "a" ? "b" : "a";
    const typo = `${key.secret.slice(0, -1)}${last}`;
    const response = await gateway.call("/v1/chat/completions", hello, typo);
    await expectOpenAIError(response, 401, { code: "invalid_api_key" });
  });

  it("answers 404 model_not_found for an unknown model", async () => {
    const response = await gateway.call(
      "/v1/chat/completions",
      { ...hello, model: "nowhere/gpt-9" },
      key.secret,
    );
    await expectOpenAIError(response, 404, { code: "model_not_found", param: "model" });
  });

  it("answers 404 for a model name that is not provider/model", async () => {
    const response = await gateway.call(
      "/v1/chat/completions",
      { ...hello, model: "gpt-9" },
      key.secret,
    );
    await expectOpenAIError(response, 404, { code: "model_not_found" });
  });

  it("answers 403 when the key may not use the model", async () => {
    const narrow = await createOrgWithKey(gateway, { models: ["openai/*"] });
    const response = await gateway.call("/v1/chat/completions", hello, narrow.secret);
    await expectOpenAIError(response, 403, { code: "model_not_allowed" });
  });

  it("answers 401 once a key is revoked", async () => {
    const doomed = await createOrgWithKey(gateway);
    expect((await gateway.call("/v1/chat/completions", hello, doomed.secret)).status).toBe(200);
    await gateway.admin(
      `mutation ($id: ID!) { revokeVirtualKey(input: { id: $id }) { key { revokedAt } } }`,
      {
        id: doomed.keyId,
      },
    );
    const response = await gateway.call("/v1/chat/completions", hello, doomed.secret);
    await expectOpenAIError(response, 401, { code: "key_revoked" });
  });

  it("answers 404 in the OpenAI shape for an unknown /v1 route", async () => {
    const response = await gateway.call("/v1/nothing-here", {}, key.secret);
    await expectOpenAIError(response, 404, { code: "not_found" });
  });
});

it("keeps serving after all of the above", async () => {
  const response = await gateway.call("/v1/chat/completions", hello, key.secret);
  expect(response.status).toBe(200);
});
