/**
 * Status codes when one of Switchyard's own stores fails: a fault on our side is a retryable
 * 503 in the OpenAI error shape, never a 500.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let warm: { secret: string };
let cold: { secret: string };

const hello = { model: "mock/echo", messages: [{ role: "user", content: "hi" }] };

beforeAll(async () => {
  gateway = await startTestGateway();
  warm = await createOrgWithKey(gateway);
  cold = await createOrgWithKey(gateway);
  // The warm key has been used, so this instance has it cached; the cold one never was.
  expect((await gateway.call("/v1/chat/completions", hello, warm.secret)).status).toBe(200);
  await gateway.services.background.drain();
  // Postgres goes away (closing the client makes every query fail, as an outage does).
  await gateway.services.sql.close();
});
afterAll(() => gateway?.close());

it("answers 503 with a retryable OpenAI error for a key it has not cached", async () => {
  const response = await gateway.call("/v1/chat/completions", hello, cold.secret);
  expect(response.status).toBe(503);
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(response.headers.get("x-request-id")).toMatch(/^req_/);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body.error).toMatchObject({ type: "api_error", code: "service_unavailable", param: null });
  expect(String(body.error.message)).toMatch(/retry/i);
});

it("keeps serving a key it has cached", async () => {
  const response = await gateway.call("/v1/chat/completions", hello, warm.secret);
  expect(response.status).toBe(200);
});
