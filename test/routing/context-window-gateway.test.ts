/**
 * A prompt too long for a deployment's context window: passed on to the next deployment (one
 * with a larger window) only on a route that opts in with CONTEXT_WINDOW; otherwise the
 * provider's 400 goes back to the client.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { ask, orgWithRoute, servedBy } from "./route-fixture.ts";

let small: FakeOpenAI;
let large: FakeOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  [small, large] = [await startFakeOpenAI(), await startFakeOpenAI()];
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
  await small?.close();
  await large?.close();
});

const tooLong = {
  kind: "error",
  status: 400,
  type: "invalid_request_error",
  code: "context_length_exceeded",
  message:
    "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
} as const;

it("is served by the larger deployment when the route falls back on CONTEXT_WINDOW", async () => {
  const org = await orgWithRoute(gateway, [small, large], {
    fallbackOn: ["SERVER_ERROR", "CONTEXT_WINDOW"],
  });
  small.script(tooLong);
  const response = await gateway.call("/v1/chat/completions", ask(), org.secret);
  expect(response.status).toBe(200);
  expect(servedBy(response)).toBe("up1");
  expect(response.headers.get("x-switchyard-attempts")).toBe("2");
});

it("answers the provider's 400 to the client on a route that did not opt in", async () => {
  const org = await orgWithRoute(gateway, [small, large]);
  small.script(tooLong);
  const before = large.requests.length;
  const response = await gateway.call("/v1/chat/completions", ask(), org.secret);
  expect(response.status).toBe(400);
  expect((await response.json()).error.message).toContain("maximum context length");
  expect(large.requests.length).toBe(before);
});

it("answers 400 when no deployment's window is large enough, and does not retry", async () => {
  const org = await orgWithRoute(gateway, [small, large], { fallbackOn: ["CONTEXT_WINDOW"] });
  small.script(tooLong);
  large.script(tooLong);
  const response = await gateway.call("/v1/chat/completions", ask(), org.secret);
  expect(response.status).toBe(400);
  expect(response.headers.get("x-switchyard-attempts")).toBe("2");
});
