/**
 * Model routes through the admin API: createModelRoute / updateModelRoute / deleteModelRoute,
 * Org.modelRoutes and node(id), input validation, and tenant isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { codesOf, createAdminToken, createOrg, messagesOf } from "./admin-helpers.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const ROUTE_FIELDS = `id alias orgId strategy fallbackOn
  deployments { providerId model weight priority timeoutMs }`;

interface RouteView {
  id: string;
  alias: string;
  orgId: string | null;
  strategy: string;
  fallbackOn: string[];
  deployments: Array<{
    providerId: string;
    model: string;
    weight: number;
    priority: number;
    timeoutMs: number | null;
  }>;
}

const CREATE = `mutation ($input: CreateModelRouteInput!) {
  createModelRoute(input: $input) { route { ${ROUTE_FIELDS} } }
}`;
const UPDATE = `mutation ($input: UpdateModelRouteInput!) {
  updateModelRoute(input: $input) { route { ${ROUTE_FIELDS} } }
}`;
const DELETE = `mutation ($input: DeleteModelRouteInput!) {
  deleteModelRoute(input: $input) { deletedId }
}`;
const READ = `query ($orgId: ID!, $id: ID!) {
  org(id: $orgId) { modelRoutes { edges { node { id alias } } } }
  node(id: $id) { ... on ModelRoute { id alias } }
}`;

async function createProvider(orgId: string | null, name: string): Promise<string> {
  const data = await gateway.admin<{ createProvider: { provider: { id: string } } }>(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        ...(orgId ? { orgId } : {}),
        kind: "openai-compatible",
        name,
        baseUrl: "http://127.0.0.1:9/v1",
      },
    },
  );
  return data.createProvider.provider.id;
}

async function create(input: Record<string, unknown>, token?: string) {
  return gateway.graphql<{ createModelRoute: { route: RouteView } }>(CREATE, { input }, token);
}

async function mustCreate(input: Record<string, unknown>): Promise<RouteView> {
  const result = await create(input);
  if (!result.data) throw new Error(`createModelRoute failed: ${messagesOf(result)}`);
  return result.data.createModelRoute.route;
}

/** An org with one provider of its own. */
async function orgWithProvider(name = "acme") {
  const orgId = await createOrg(gateway, name);
  const providerId = await createProvider(orgId, "up");
  return { orgId, providerId };
}

describe("createModelRoute", () => {
  it("creates an org route with its deployments in the listed order and defaults filled in", async () => {
    const { orgId, providerId } = await orgWithProvider();
    const route = await mustCreate({
      orgId,
      alias: "fast",
      strategy: "WEIGHTED",
      deployments: [
        { providerId, model: "small", weight: 3, priority: 1, timeoutMs: 5000 },
        { providerId, model: "big" },
      ],
    });
    expect(route).toMatchObject({
      alias: "fast",
      orgId,
      strategy: "WEIGHTED",
      fallbackOn: ["CONNECTION", "TIMEOUT", "RATE_LIMITED", "SERVER_ERROR"],
      deployments: [
        { providerId, model: "small", weight: 3, priority: 1, timeoutMs: 5000 },
        { providerId, model: "big", weight: 1, priority: 0, timeoutMs: null },
      ],
    });
  });

  it("lists the route on its org and reads it back by node id", async () => {
    const { orgId, providerId } = await orgWithProvider();
    const route = await mustCreate({
      orgId,
      alias: "gpt-4o",
      strategy: "PRIORITY",
      deployments: [{ providerId, model: "gpt-4o" }],
    });
    const data = await gateway.admin<{
      org: { modelRoutes: { edges: Array<{ node: { id: string; alias: string } }> } };
      node: { id: string; alias: string } | null;
    }>(READ, { orgId, id: route.id });
    expect(data.org.modelRoutes.edges).toEqual([{ node: { id: route.id, alias: "gpt-4o" } }]);
    expect(data.node).toEqual({ id: route.id, alias: "gpt-4o" });
  });

  it("keeps the fallback conditions given, and an empty list", async () => {
    const { orgId, providerId } = await orgWithProvider();
    const some = await mustCreate({
      orgId,
      alias: "a",
      strategy: "COST",
      fallbackOn: ["RATE_LIMITED"],
      deployments: [{ providerId, model: "m" }],
    });
    const none = await mustCreate({
      orgId,
      alias: "b",
      strategy: "COST",
      fallbackOn: [],
      deployments: [{ providerId, model: "m" }],
    });
    expect([some.fallbackOn, none.fallbackOn]).toEqual([["RATE_LIMITED"], []]);
  });

  it("refuses a second route with the same alias in one org", async () => {
    const { orgId, providerId } = await orgWithProvider();
    const input = {
      orgId,
      alias: "dup",
      strategy: "PRIORITY",
      deployments: [{ providerId, model: "m" }],
    };
    await mustCreate(input);
    expect(codesOf(await create(input))).toEqual(["CONFLICT"]);
  });

  it("creates a global route with the master key, using a global provider", async () => {
    const providerId = await createProvider(null, `global-${crypto.randomUUID().slice(0, 8)}`);
    const route = await mustCreate({
      alias: `everyone-${crypto.randomUUID().slice(0, 8)}`,
      strategy: "PRIORITY",
      deployments: [{ providerId, model: "m" }],
    });
    expect(route.orgId).toBeNull();
  });

  it("accepts every strategy: PRIORITY, WEIGHTED, LATENCY, LEAST_BUSY and COST", async () => {
    const { orgId, providerId } = await orgWithProvider();
    for (const strategy of ["PRIORITY", "WEIGHTED", "LATENCY", "LEAST_BUSY", "COST"]) {
      const route = await mustCreate({
        orgId,
        alias: `by-${strategy.toLowerCase()}`,
        strategy,
        deployments: [{ providerId, model: "m" }],
      });
      expect(route.strategy).toBe(strategy);
    }
  });

  it("refuses a strategy it does not know", async () => {
    const { orgId, providerId } = await orgWithProvider();
    const result = await create({
      orgId,
      alias: "x",
      strategy: "FASTEST",
      deployments: [{ providerId, model: "m" }],
    });
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(result.data ?? null).toBeNull();
  });

  it("stores a route's opt-in to fall back on context-window refusals", async () => {
    const { orgId, providerId } = await orgWithProvider();
    const route = await mustCreate({
      orgId,
      alias: "long",
      strategy: "PRIORITY",
      deployments: [{ providerId, model: "m" }],
      fallbackOn: ["SERVER_ERROR", "CONTEXT_WINDOW"],
    });
    expect(route.fallbackOn).toEqual(["SERVER_ERROR", "CONTEXT_WINDOW"]);
  });
});

describe("validation", () => {
  const invalid: Array<[string, (providerId: string) => Record<string, unknown>, string]> = [
    [
      "an alias with a '/'",
      (p) => ({ alias: "openai/gpt", deployments: [{ providerId: p, model: "m" }] }),
      "alias",
    ],
    [
      "an alias with a space",
      (p) => ({ alias: "my route", deployments: [{ providerId: p, model: "m" }] }),
      "alias",
    ],
    [
      "an empty alias",
      (p) => ({ alias: "", deployments: [{ providerId: p, model: "m" }] }),
      "alias",
    ],
    [
      "an alias longer than 256",
      (p) => ({ alias: "a".repeat(257), deployments: [{ providerId: p, model: "m" }] }),
      "alias",
    ],
    ["no deployments", () => ({ alias: "a", deployments: [] }), "deployments"],
    [
      "a zero weight",
      (p) => ({ alias: "a", deployments: [{ providerId: p, model: "m", weight: 0 }] }),
      "weight",
    ],
    [
      "a negative weight",
      (p) => ({ alias: "a", deployments: [{ providerId: p, model: "m", weight: -2 }] }),
      "weight",
    ],
  ];
  for (const [what, input, field] of invalid) {
    it(`refuses ${what}, naming the field`, async () => {
      const { orgId, providerId } = await orgWithProvider();
      const result = await create({ orgId, strategy: "PRIORITY", ...input(providerId) });
      expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
      expect(messagesOf(result)).toContain(field);
    });
  }
});

describe("updateModelRoute and deleteModelRoute", () => {
  it("replaces the deployments and changes the strategy", async () => {
    const { orgId, providerId } = await orgWithProvider();
    const route = await mustCreate({
      orgId,
      alias: "r",
      strategy: "PRIORITY",
      deployments: [{ providerId, model: "one" }],
    });
    const result = await gateway.admin<{ updateModelRoute: { route: RouteView } }>(UPDATE, {
      input: {
        id: route.id,
        strategy: "LEAST_BUSY",
        deployments: [
          { providerId, model: "two" },
          { providerId, model: "three" },
        ],
      },
    });
    expect(result.updateModelRoute.route).toMatchObject({
      alias: "r",
      strategy: "LEAST_BUSY",
      deployments: [{ model: "two" }, { model: "three" }],
    });
  });

  it("deletes a route, which is then gone from its org", async () => {
    const { orgId, providerId } = await orgWithProvider();
    const route = await mustCreate({
      orgId,
      alias: "gone",
      strategy: "PRIORITY",
      deployments: [{ providerId, model: "m" }],
    });
    const deleted = await gateway.admin<{ deleteModelRoute: { deletedId: string } }>(DELETE, {
      input: { id: route.id },
    });
    expect(deleted.deleteModelRoute.deletedId).toBe(route.id);
    const data = await gateway.admin<{ org: { modelRoutes: { edges: unknown[] } }; node: unknown }>(
      READ,
      {
        orgId,
        id: route.id,
      },
    );
    expect(data.org.modelRoutes.edges).toEqual([]);
    expect(data.node).toBeNull();
  });
});

describe("tenant isolation", () => {
  it("an org's admin cannot route to another org's provider", async () => {
    const victim = await orgWithProvider("victim");
    const attacker = await orgWithProvider("attacker");
    const token = await createAdminToken(gateway, attacker.orgId, "ADMIN");
    const result = await create(
      {
        orgId: attacker.orgId,
        alias: "steal",
        strategy: "PRIORITY",
        deployments: [{ providerId: victim.providerId, model: "m" }],
      },
      token,
    );
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain("deployments.0.providerId");
  });

  it("an org's admin cannot create, read, change or delete another org's route", async () => {
    const victim = await orgWithProvider("victim");
    const attacker = await orgWithProvider("attacker");
    const token = await createAdminToken(gateway, attacker.orgId, "OWNER");
    const route = await mustCreate({
      orgId: victim.orgId,
      alias: "private",
      strategy: "PRIORITY",
      deployments: [{ providerId: victim.providerId, model: "m" }],
    });

    const created = await create(
      {
        orgId: victim.orgId,
        alias: "planted",
        strategy: "PRIORITY",
        deployments: [{ providerId: victim.providerId, model: "m" }],
      },
      token,
    );
    expect(codesOf(created)).toEqual(["FORBIDDEN"]);

    const read = await gateway.graphql<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { ... on ModelRoute { alias } } }`,
      { id: route.id },
      token,
    );
    expect(read.data?.node ?? null).toBeNull();

    const updated = await gateway.graphql(
      UPDATE,
      { input: { id: route.id, alias: "mine" } },
      token,
    );
    expect(codesOf(updated)).toEqual(["NOT_FOUND"]);
    const deleted = await gateway.graphql(DELETE, { input: { id: route.id } }, token);
    expect(codesOf(deleted)).toEqual(["NOT_FOUND"]);

    const after = await gateway.admin<{ node: { alias: string } | null }>(
      `query ($id: ID!) { node(id: $id) { ... on ModelRoute { alias } } }`,
      { id: route.id },
    );
    expect(after.node).toEqual({ alias: "private" });
  });

  it("an org's admin cannot create a global route", async () => {
    const providerId = await createProvider(null, `g-${crypto.randomUUID().slice(0, 8)}`);
    const { orgId } = await orgWithProvider();
    const token = await createAdminToken(gateway, orgId, "OWNER");
    const result = await create(
      { alias: "all", strategy: "PRIORITY", deployments: [{ providerId, model: "m" }] },
      token,
    );
    expect(codesOf(result)).toEqual(["FORBIDDEN"]);
  });

  it("an org's viewer cannot create a route in its own org", async () => {
    const { orgId, providerId } = await orgWithProvider();
    const token = await createAdminToken(gateway, orgId, "VIEWER");
    const result = await create(
      { orgId, alias: "v", strategy: "PRIORITY", deployments: [{ providerId, model: "m" }] },
      token,
    );
    expect(codesOf(result)).toEqual(["FORBIDDEN"]);
  });
});
