/**
 * A route passes over a deployment whose provider cannot serve a feature the request uses (here
 * Groq, which serves one choice per call, asked for `n: 2`): no network call, the skip and its
 * reason in the attempt log, the next deployment that can serve it answers. Only when none can
 * does the client get the 400 naming the parameter; a `<provider>/<model>` call gets it at once.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let single: FakeOpenAI;
let multiple: FakeOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  [single, multiple] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
  await single?.close();
  await multiple?.close();
});

/** An org with providers of the given kinds on the fakes, and a PRIORITY route "smart" over them. */
async function orgWith(kinds: Array<{ kind: string; upstream: FakeOpenAI }>) {
  const key = await createOrgWithKey(gateway);
  const deployments: Array<{ providerId: string; model: string }> = [];
  for (const [index, { kind, upstream }] of kinds.entries()) {
    const data = await gateway.admin<{ createProvider: { provider: { id: string } } }>(
      `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
      {
        input: {
          orgId: key.orgId,
          kind,
          name: `p${index}`,
          baseUrl: upstream.baseUrl,
          apiKey: "k",
        },
      },
    );
    deployments.push({ providerId: data.createProvider.provider.id, model: `m${index}` });
  }
  await gateway.admin(
    `mutation ($input: CreateModelRouteInput!) { createModelRoute(input: $input) { route { id } } }`,
    { input: { orgId: key.orgId, alias: "smart", strategy: "PRIORITY", deployments } },
  );
  return key;
}

const twoChoices = (model: string) => ({
  model,
  n: 2,
  messages: [{ role: "user", content: "Two names for a cat" }],
});

/** Requests each fake received during `during`. */
async function upstreamCalls(during: () => Promise<Response>) {
  const before = [single.requests.length, multiple.requests.length];
  const response = await during();
  await response.clone().arrayBuffer();
  await gateway.services.background.drain();
  return {
    response,
    calls: [single.requests.length - (before[0] ?? 0), multiple.requests.length - (before[1] ?? 0)],
  };
}

describe("a route whose first deployment lacks a capability the request needs", () => {
  it("skips it without a call, logs why, and is answered by the next one", async () => {
    const key = await orgWith([
      { kind: "groq", upstream: single },
      { kind: "openai-compatible", upstream: multiple },
    ]);
    const { response, calls } = await upstreamCalls(() =>
      gateway.call("/v1/chat/completions", twoChoices("smart"), key.secret),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-provider")).toBe("p1");
    expect(response.headers.get("x-switchyard-attempts")).toBe("1");
    expect(calls).toEqual([0, 1]);

    const [record] = await gateway.services.sql.db
      .select()
      .from(usageRecords)
      .where(eq(usageRecords.requestId, response.headers.get("x-request-id") ?? ""));
    expect(record?.attempts).toBe(1);
    expect(record?.attemptLog).toEqual([
      {
        deployment: "p0/m0",
        status: null,
        error: "skipped",
        latencyMs: 0,
        skipped: expect.stringContaining("cannot serve more than one choice per call"),
      },
      { deployment: "p1/m1", status: 200, error: null, latencyMs: expect.any(Number) },
    ]);
  });

  it("still calls it for a request that does not need the capability", async () => {
    const key = await orgWith([
      { kind: "groq", upstream: single },
      { kind: "openai-compatible", upstream: multiple },
    ]);
    const { response, calls } = await upstreamCalls(() =>
      gateway.call("/v1/chat/completions", { ...twoChoices("smart"), n: 1 }, key.secret),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-provider")).toBe("p0");
    expect(calls).toEqual([1, 0]);
  });

  it("answers 400 naming the parameter when no deployment of the route can serve it", async () => {
    const key = await orgWith([
      { kind: "groq", upstream: single },
      { kind: "groq", upstream: multiple },
    ]);
    const { response, calls } = await upstreamCalls(() =>
      gateway.call("/v1/chat/completions", twoChoices("smart"), key.secret),
    );
    expect(response.status).toBe(400);
    expect(calls).toEqual([0, 0]);
    const body = (await response.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe("n");
    expect(body.error.message).toContain("p0/m0: skipped");
    expect(body.error.message).toContain("p1/m1: skipped");
  });
});

describe("a call naming <provider>/<model>", () => {
  it("gets the provider's 400 at once, with no upstream call", async () => {
    const key = await orgWith([
      { kind: "groq", upstream: single },
      { kind: "openai-compatible", upstream: multiple },
    ]);
    const { response, calls } = await upstreamCalls(() =>
      gateway.call("/v1/chat/completions", twoChoices("p0/m0"), key.secret),
    );
    expect(response.status).toBe(400);
    expect(calls).toEqual([0, 0]);
    const body = (await response.json()) as { error: { param: string } };
    expect(body.error.param).toBe("n");
  });
});
