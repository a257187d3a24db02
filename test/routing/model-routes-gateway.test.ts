/**
 * Calls through a model route alias: served by the route's deployments in strategy order,
 * falling back as its fallbackOn says, recorded with the alias, and seen by every instance of
 * the deployment on its next call.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let primary: FakeOpenAI;
let secondary: FakeOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  [primary, secondary] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
  await primary?.close();
  await secondary?.close();
});

const ask = (model: string) => ({ model, messages: [{ role: "user", content: "Say hello" }] });

async function createProvider(orgId: string, name: string, upstream: FakeOpenAI): Promise<string> {
  const data = await gateway.admin<{ createProvider: { provider: { id: string } } }>(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: { orgId, kind: "openai-compatible", name, baseUrl: upstream.baseUrl, apiKey: "sk-x" },
    },
  );
  return data.createProvider.provider.id;
}

async function createRoute(input: Record<string, unknown>): Promise<string> {
  const data = await gateway.admin<{ createModelRoute: { route: { id: string } } }>(
    `mutation ($input: CreateModelRouteInput!) { createModelRoute(input: $input) { route { id } } }`,
    { input },
  );
  return data.createModelRoute.route.id;
}

/** An org with a key, two providers (one per fake upstream) and an alias over both. */
async function orgWithRoute(route: Record<string, unknown> = {}, keyInput = {}) {
  const key = await createOrgWithKey(gateway, keyInput);
  const first = await createProvider(key.orgId, "first", primary);
  const second = await createProvider(key.orgId, "second", secondary);
  const routeId = await createRoute({
    orgId: key.orgId,
    alias: "smart",
    strategy: "PRIORITY",
    deployments: [
      { providerId: first, model: "model-a" },
      { providerId: second, model: "model-b" },
    ],
    ...route,
  });
  return { ...key, first, second, routeId };
}

async function usageOf(response: Response) {
  await gateway.services.background.drain();
  const [record] = await gateway.services.sql.db
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.requestId, response.headers.get("x-request-id") ?? ""));
  return record;
}

describe("a call naming a route alias", () => {
  it("is served by the route's first deployment under the deployment's model name", async () => {
    const org = await orgWithRoute();
    primary.script({ kind: "complete" });
    const before = primary.requests.length;
    const response = await gateway.call("/v1/chat/completions", ask("smart"), org.secret);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-provider")).toBe("first");
    expect(response.headers.get("x-switchyard-model")).toBe("model-a");
    expect(primary.requests.slice(before).map((r) => (r.body as { model: string }).model)).toEqual([
      "model-a",
    ]);
  });

  it("falls back to the second deployment when the first answers 503", async () => {
    const org = await orgWithRoute();
    primary.script({ kind: "error", status: 503, message: "overloaded" });
    secondary.script({ kind: "complete" });
    const response = await gateway.call("/v1/chat/completions", ask("smart"), org.secret);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-provider")).toBe("second");
    expect(response.headers.get("x-switchyard-attempts")).toBe("2");
  });

  it("does not fall back on a failure the route's fallbackOn leaves out", async () => {
    const org = await orgWithRoute({ fallbackOn: ["RATE_LIMITED"] });
    primary.script({ kind: "error", status: 503, message: "overloaded" });
    const before = secondary.requests.length;
    const response = await gateway.call("/v1/chat/completions", ask("smart"), org.secret);
    expect(response.status).toBe(503);
    expect(secondary.requests.length).toBe(before);
  });

  it("does not fall back when the provider refuses the request with 400", async () => {
    const org = await orgWithRoute();
    primary.script({ kind: "error", status: 400, message: "bad parameter" });
    const before = secondary.requests.length;
    const response = await gateway.call("/v1/chat/completions", ask("smart"), org.secret);
    expect(response.status).toBe(400);
    expect(secondary.requests.length).toBe(before);
  });

  it("tries deployments in the route's priority order, not the listed one", async () => {
    const org = await orgWithRoute();
    await gateway.admin(
      `mutation ($input: UpdateModelRouteInput!) { updateModelRoute(input: $input) { route { id } } }`,
      {
        input: {
          id: org.routeId,
          deployments: [
            { providerId: org.first, model: "model-a", priority: 2 },
            { providerId: org.second, model: "model-b", priority: 1 },
          ],
        },
      },
    );
    secondary.script({ kind: "complete" });
    const response = await gateway.call("/v1/chat/completions", ask("smart"), org.secret);
    expect(response.headers.get("x-switchyard-provider")).toBe("second");
  });

  it("with the COST strategy is served by the deployment cheaper at the org's prices", async () => {
    const org = await orgWithRoute({ strategy: "COST" });
    for (const [model, usd] of [
      ["first/model-a", 30],
      ["second/model-b", 0.5],
    ] as const) {
      await gateway.admin(
        `mutation ($input: SetModelPriceInput!) { setModelPrice(input: $input) { price { id } } }`,
        {
          input: { orgId: org.orgId, model, inputUsdPerMillion: usd, outputUsdPerMillion: usd },
        },
      );
    }
    primary.script({ kind: "complete" });
    secondary.script({ kind: "complete" });
    const response = await gateway.call("/v1/chat/completions", ask("smart"), org.secret);
    expect(response.headers.get("x-switchyard-provider")).toBe("second");
  });

  it("is recorded in usage with the alias it named and the deployment that served it", async () => {
    const org = await orgWithRoute();
    primary.script({ kind: "complete" });
    const response = await gateway.call("/v1/chat/completions", ask("smart"), org.secret);
    const record = await usageOf(response);
    expect(record).toMatchObject({ routeAlias: "smart", provider: "first", model: "model-a" });
  });

  it("leaves the alias empty on a call naming <provider>/<model>", async () => {
    const org = await orgWithRoute();
    primary.script({ kind: "complete" });
    const response = await gateway.call("/v1/chat/completions", ask("first/model-a"), org.secret);
    expect(response.status).toBe(200);
    expect((await usageOf(response))?.routeAlias).toBeNull();
  });

  it("is allowed by a key whose model list names the alias, and refused by one that does not", async () => {
    const allowed = await orgWithRoute({}, { models: ["smart"] });
    primary.script({ kind: "complete" });
    const ok = await gateway.call("/v1/chat/completions", ask("smart"), allowed.secret);
    expect(ok.status).toBe(200);
    const other = await orgWithRoute({}, { models: ["first/*"] });
    const refused = await gateway.call("/v1/chat/completions", ask("smart"), other.secret);
    expect(refused.status).toBe(403);
  });

  it("may be any name a client can send, and a key may list it", async () => {
    const odd = "fast+cheap!";
    const allowed = await orgWithRoute({ alias: odd }, { models: [odd] });
    primary.script({ kind: "complete" });
    const ok = await gateway.call("/v1/chat/completions", ask(odd), allowed.secret);
    expect(ok.status).toBe(200);
  });

  it("is not found in another org, which has no such route", async () => {
    await orgWithRoute();
    const stranger = await createOrgWithKey(gateway);
    const response = await gateway.call("/v1/chat/completions", ask("smart"), stranger.secret);
    expect(response.status).toBe(404);
  });
});

describe("route changes across instances of one deployment", () => {
  it("a route created on one instance is served by another on its next call", async () => {
    const second = await startTestGateway({ sameDeploymentAs: gateway });
    try {
      const key = await createOrgWithKey(gateway);
      const providerId = await createProvider(key.orgId, "first", primary);
      primary.script({ kind: "complete" });
      // The second instance caches the org's providers and routes (none yet).
      expect((await second.call("/v1/chat/completions", ask("first/m"), key.secret)).status).toBe(
        200,
      );

      await createRoute({
        orgId: key.orgId,
        alias: "fresh",
        strategy: "PRIORITY",
        deployments: [{ providerId, model: "model-a" }],
      });
      const response = await second.call("/v1/chat/completions", ask("fresh"), key.secret);
      expect(response.status).toBe(200);
      expect(response.headers.get("x-switchyard-model")).toBe("model-a");
    } finally {
      await second.close();
    }
  });

  it("a route changed on one instance is followed by another on its next call", async () => {
    const second = await startTestGateway({ sameDeploymentAs: gateway });
    try {
      const org = await orgWithRoute();
      primary.script({ kind: "complete" });
      secondary.script({ kind: "complete" });
      const before = await second.call("/v1/chat/completions", ask("smart"), org.secret);
      expect(before.headers.get("x-switchyard-provider")).toBe("first");

      await gateway.admin(
        `mutation ($input: UpdateModelRouteInput!) { updateModelRoute(input: $input) { route { id } } }`,
        { input: { id: org.routeId, deployments: [{ providerId: org.second, model: "model-b" }] } },
      );
      const after = await second.call("/v1/chat/completions", ask("smart"), org.secret);
      expect(after.headers.get("x-switchyard-provider")).toBe("second");
    } finally {
      await second.close();
    }
  });

  it("a route deleted on one instance is no longer served by another", async () => {
    const second = await startTestGateway({ sameDeploymentAs: gateway });
    try {
      const org = await orgWithRoute();
      primary.script({ kind: "complete" });
      expect((await second.call("/v1/chat/completions", ask("smart"), org.secret)).status).toBe(
        200,
      );
      await gateway.admin(
        `mutation ($input: DeleteModelRouteInput!) { deleteModelRoute(input: $input) { deletedId } }`,
        { input: { id: org.routeId } },
      );
      expect((await second.call("/v1/chat/completions", ask("smart"), org.secret)).status).toBe(
        404,
      );
    } finally {
      await second.close();
    }
  });
});
