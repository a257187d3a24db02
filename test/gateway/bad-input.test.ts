/**
 * Every malformed or unauthorised call gets the documented status and OpenAI's error body, no
 * internals leak, and the gateway goes on serving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let key: { orgId: string; keyId: string; secret: string };

const MAX_BODY_BYTES = 64 * 1024;

beforeAll(async () => {
  gateway = await startTestGateway({ env: { SWITCHYARD_MAX_BODY_BYTES: String(MAX_BODY_BYTES) } });
  key = await createOrgWithKey(gateway);
});
afterAll(() => gateway?.close());

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

describe("authentication and authorisation", () => {
  it("answers 401 without a key", async () => {
    const response = await gateway.app.fetch(
      new Request("http://switchyard.test/v1/chat/completions", {
        method: "POST",
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
