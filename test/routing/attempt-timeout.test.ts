/**
 * The per-attempt timeout: the route deployment's, else the provider record's, else the provider
 * kind's default from its descriptor, else 120 s; and a hanging upstream left after the kind's
 * default for the next deployment (the default injected short for the test).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { descriptorOf, providerDescriptors } from "../../functions/providers/index.ts";
import type { Deployment } from "../../functions/routing/model-directory.ts";
import {
  attemptTimeoutMs,
  DEFAULT_ATTEMPT_TIMEOUT_MS,
} from "../../functions/routing/resilience/attempt-timeout.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { ask, orgWithRoute, servedBy } from "./route-fixture.ts";

function deployment(kind: string, timeoutMs: number | null, config: Record<string, unknown> = {}) {
  return {
    label: `p/${kind}`,
    providerName: "p",
    providerId: null,
    timeoutMs,
    target: { kind, name: "p", baseUrl: null, apiKey: null, config, model: "m" },
  } as Deployment;
}

describe("attemptTimeoutMs", () => {
  const kindDefault = (kind: string) => (kind === "slow" ? 240_000 : undefined);

  it("takes the deployment's, then the provider's config, then the kind's, then 120 s", () => {
    expect(attemptTimeoutMs(deployment("slow", 5_000, { timeoutMs: 9_000 }), kindDefault)).toBe(
      5_000,
    );
    expect(attemptTimeoutMs(deployment("slow", null, { timeoutMs: 9_000 }), kindDefault)).toBe(
      9_000,
    );
    expect(attemptTimeoutMs(deployment("slow", null), kindDefault)).toBe(240_000);
    expect(attemptTimeoutMs(deployment("plain", null), kindDefault)).toBe(
      DEFAULT_ATTEMPT_TIMEOUT_MS,
    );
  });

  it("ignores a value that is not a positive number", () => {
    expect(attemptTimeoutMs(deployment("slow", 0, { timeoutMs: "9000" }), kindDefault)).toBe(
      240_000,
    );
    expect(attemptTimeoutMs(deployment("plain", null), () => -1)).toBe(DEFAULT_ATTEMPT_TIMEOUT_MS);
  });

  it("has longer defaults for reasoning-heavy kinds and a shorter one for Groq", () => {
    const byKind = (kind: string) => descriptorOf(kind)?.defaultTimeoutMs;
    for (const kind of ["anthropic", "openai", "bedrock", "gemini"]) {
      expect(byKind(kind)).toBeGreaterThan(DEFAULT_ATTEMPT_TIMEOUT_MS);
    }
    expect(byKind("groq")).toBeLessThan(DEFAULT_ATTEMPT_TIMEOUT_MS);
    for (const descriptor of providerDescriptors()) {
      const value = descriptor.defaultTimeoutMs;
      // Within what a route deployment's own timeoutMs may be set to.
      if (value !== undefined) expect(value).toBeLessThanOrEqual(600_000);
    }
  });
});

describe("a hanging upstream with no timeout of its own", () => {
  let hanging: FakeOpenAI;
  let healthy: FakeOpenAI;
  let gateway: TestGateway;
  const generic = descriptorOf("openai-compatible");
  const original = generic?.defaultTimeoutMs;

  beforeAll(async () => {
    [hanging, healthy] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    if (generic) generic.defaultTimeoutMs = original;
    await gateway?.close();
    await hanging?.close();
    await healthy?.close();
  });

  it("is left after its provider kind's default for the next deployment", async () => {
    if (!generic) throw new Error("no openai-compatible descriptor");
    generic.defaultTimeoutMs = 300;
    const org = await orgWithRoute(gateway, [hanging, healthy]);
    hanging.script({ kind: "complete", holdFirstByte: true });
    const startedAt = performance.now();
    // A deadline well short of the 120 s fallback: without the kind's default the call would
    // spend all of it on the hanging deployment and end in a 504.
    const response = await gateway.call("/v1/chat/completions", ask(), org.secret, {
      "x-switchyard-request-timeout": "20000",
    });
    const ms = performance.now() - startedAt;
    expect(response.status).toBe(200);
    expect(servedBy(response)).toBe("up1");
    expect(ms).toBeGreaterThanOrEqual(300);
    expect(ms).toBeLessThan(15_000);
    expect(await hanging.requests.at(-1)?.closed).toEqual({ aborted: true });
  });
});
