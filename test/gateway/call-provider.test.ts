/**
 * An adapter that fails with something other than a ProviderError has a defect (or met an input
 * it could not handle): the client gets a 502, and the log gets the cause.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { newCallContext } from "../../functions/gateway/call-context.ts";
import { GatewayError } from "../../functions/gateway/errors.ts";
import { callWithFallback } from "../../functions/gateway/steps/call-provider.ts";
import { createLogger } from "../../functions/log.ts";
import type { Deployment } from "../../functions/routing/model-directory.ts";
import { chatRequest, target } from "../providers/helpers.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const deployment: Deployment = {
  label: "up/gpt-4o-mini",
  providerName: "up",
  providerId: null,
  target: target({ kind: "openai-compatible", name: "up" }),
};

/** A value nested deeper than any recursive walk survives (the edge refuses such bodies). */
function nestedArrays(depth: number): unknown {
  let value: unknown = [];
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

it("logs an adapter's unexpected failure with its cause, and answers 502", async () => {
  const lines: string[] = [];
  const log = createLogger({ write: (line) => lines.push(line) });
  const request = chatRequest({
    tools: [
      {
        type: "function",
        function: { name: "deep", parameters: { type: "object", default: nestedArrays(200_000) } },
      },
    ],
  });

  const call = newCallContext({
    requestId: "req_deep",
    endpoint: "/v1/chat/completions",
    request: new Request("http://switchyard.test/v1/chat/completions", { method: "POST" }),
    services: {
      ...gateway.services,
      log,
      fetch: () => Promise.reject(new Error("the upstream must not be reached")),
    },
    metered: true,
  });

  const failure = await callWithFallback(call, [deployment], request).catch(
    (error: unknown) => error,
  );

  expect(failure).toBeInstanceOf(GatewayError);
  expect((failure as GatewayError).status).toBe(502);
  expect(call.attempts.map((attempt) => attempt.error)).toEqual(["bad_response"]);
  const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(logged).toContainEqual(
    expect.objectContaining({
      level: "error",
      message: "provider adapter failed unexpectedly",
      requestId: "req_deep",
      deployment: "up/gpt-4o-mini",
      error: { name: "RangeError", message: "Maximum call stack size exceeded" },
    }),
  );
});
