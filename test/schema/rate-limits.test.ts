/**
 * Rate limits through the admin API: setRateLimit / deleteRateLimit, the `rateLimits` fields,
 * updateVirtualKey, tenant isolation, and the gateway obeying a change on every instance at once.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rateLimits } from "../../db/schema/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import {
  type Connection,
  codesOf,
  createAdminToken,
  createKey,
  createOrg,
  createTeam,
  hello,
  messagesOf,
  nodesOf,
  rawId,
} from "./admin-helpers.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const SET_RATE_LIMIT = `mutation ($input: SetRateLimitInput!) {
  setRateLimit(input: $input) {
    rateLimit { id scope scopeId model rpm tpm maxConcurrency createdAt updatedAt }
  }
}`;

interface RateLimitView {
  id: string;
  scope: string;
  scopeId: string;
  model: string | null;
  rpm: number | null;
  tpm: number | null;
  maxConcurrency: number | null;
}

async function setRateLimit(input: Record<string, unknown>, token?: string) {
  return gateway.graphql<{ setRateLimit: { rateLimit: RateLimitView } }>(
    SET_RATE_LIMIT,
    { input },
    token,
  );
}

async function mustSetRateLimit(input: Record<string, unknown>): Promise<RateLimitView> {
  const result = await setRateLimit(input);
  if (!result.data) throw new Error(`setRateLimit failed: ${messagesOf(result)}`);
  return result.data.setRateLimit.rateLimit;
}

const UPDATE_KEY = `mutation ($input: UpdateVirtualKeyInput!) {
  updateVirtualKey(input: $input) {
    key { id name models expiresAt rpm tpm maxConcurrency metadata }
  }
}`;

describe("setRateLimit", () => {
  it("sets a limit on a team and answers with every field", async () => {
    const orgId = await createOrg(gateway, "shapes");
    const teamId = await createTeam(gateway, orgId);
    const rule = await mustSetRateLimit({ scope: "TEAM", scopeId: teamId, rpm: 60, tpm: 10_000 });
    expect(rule).toMatchObject({
      scope: "TEAM",
      scopeId: teamId,
      model: null,
      rpm: 60,
      tpm: 10_000,
      maxConcurrency: null,
    });
    const again = await gateway.admin<{ node: { rpm: number } }>(
      `query ($id: ID!) { node(id: $id) { ... on RateLimit { rpm } } }`,
      { id: rule.id },
    );
    expect(again.node.rpm).toBe(60);
  });

  it("refuses a rule with no limit at all", async () => {
    const orgId = await createOrg(gateway, "empty");
    const result = await setRateLimit({ scope: "ORG", scopeId: orgId, model: "mock/echo" });
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain("rpm");
  });

  it.each([
    ["rpm", { rpm: 0 }],
    ["tpm", { tpm: -5 }],
    ["maxConcurrency", { maxConcurrency: 0 }],
    ["model", { rpm: 1, model: "not a model!" }],
  ])("refuses a bad %s naming it", async (field, limits) => {
    const orgId = await createOrg(gateway, "bad-limits");
    const result = await setRateLimit({ scope: "ORG", scopeId: orgId, ...limits });
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain(field);
  });

  it("replaces the rule of the same scope and model, with or without a model", async () => {
    const orgId = await createOrg(gateway, "upsert");
    const first = await mustSetRateLimit({ scope: "ORG", scopeId: orgId, rpm: 10, tpm: 100 });
    const second = await mustSetRateLimit({ scope: "ORG", scopeId: orgId, rpm: 20 });
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ rpm: 20, tpm: null });
    const perModel = await mustSetRateLimit({
      scope: "ORG",
      scopeId: orgId,
      model: "mock/echo",
      rpm: 5,
    });
    const perModelAgain = await mustSetRateLimit({
      scope: "ORG",
      scopeId: orgId,
      model: "mock/echo",
      maxConcurrency: 2,
    });
    expect(perModel.id).not.toBe(first.id);
    expect(perModelAgain.id).toBe(perModel.id);
    const rows = await gateway.services.sql.db
      .select()
      .from(rateLimits)
      .where(eq(rateLimits.orgId, rawId(orgId)));
    expect(rows).toHaveLength(2);
  });

  it("lists the org's rules on the org, and each object's own on team and key", async () => {
    const orgId = await createOrg(gateway, "lists");
    const teamId = await createTeam(gateway, orgId);
    const { keyId } = await createKey(gateway, { orgId, teamId });
    const onOrg = await mustSetRateLimit({ scope: "ORG", scopeId: orgId, rpm: 100 });
    const onTeam = await mustSetRateLimit({ scope: "TEAM", scopeId: teamId, rpm: 10 });
    const onKey = await mustSetRateLimit({
      scope: "KEY",
      scopeId: keyId,
      model: "mock/echo",
      tpm: 1000,
    });
    const data = await gateway.admin<{
      org: { rateLimits: Connection<{ id: string }>; keyLimits: Connection<{ id: string }> };
      team: { rateLimits: Connection<{ id: string }> };
      key: { rateLimits: Connection<{ id: string }> };
    }>(
      `query ($org: ID!, $team: ID!, $key: ID!) {
        org(id: $org) {
          rateLimits { edges { node { id } } }
          keyLimits: rateLimits(scope: KEY) { edges { node { id } } }
        }
        team: node(id: $team) { ... on Team { rateLimits { edges { node { id } } } } }
        key: node(id: $key) { ... on VirtualKey { rateLimits { edges { node { id } } } } }
      }`,
      { org: orgId, team: teamId, key: keyId },
    );
    expect(
      nodesOf(data.org.rateLimits)
        .map((rule) => rule.id)
        .sort(),
    ).toEqual([onOrg.id, onTeam.id, onKey.id].sort());
    expect(nodesOf(data.org.keyLimits)).toEqual([{ id: onKey.id }]);
    expect(nodesOf(data.team.rateLimits)).toEqual([{ id: onTeam.id }]);
    expect(nodesOf(data.key.rateLimits)).toEqual([{ id: onKey.id }]);
  });

  it("deletes a rule and answers with the id it had", async () => {
    const orgId = await createOrg(gateway, "deletes");
    const rule = await mustSetRateLimit({ scope: "ORG", scopeId: orgId, rpm: 1 });
    const data = await gateway.admin<{ deleteRateLimit: { deletedId: string } }>(
      `mutation ($id: ID!) { deleteRateLimit(input: { id: $id }) { deletedId } }`,
      { id: rule.id },
    );
    expect(data.deleteRateLimit.deletedId).toBe(rule.id);
    const rows = await gateway.services.sql.db
      .select()
      .from(rateLimits)
      .where(eq(rateLimits.id, rawId(rule.id)));
    expect(rows).toEqual([]);
  });
});

describe("tenant isolation", () => {
  it("does not let another org's token set, read or delete this org's rate limits", async () => {
    const victimOrg = await createOrg(gateway, "victim");
    const victimTeam = await createTeam(gateway, victimOrg);
    const victimKey = await createKey(gateway, { orgId: victimOrg });
    const victimRule = await mustSetRateLimit({ scope: "ORG", scopeId: victimOrg, rpm: 100 });
    const attacker = await createAdminToken(gateway, await createOrg(gateway, "attacker"), "OWNER");

    expect(
      codesOf(await setRateLimit({ scope: "ORG", scopeId: victimOrg, rpm: 1 }, attacker)),
    ).toEqual(["FORBIDDEN"]);
    expect(
      codesOf(await setRateLimit({ scope: "TEAM", scopeId: victimTeam, rpm: 1 }, attacker)),
    ).toEqual(["NOT_FOUND"]);
    expect(
      codesOf(await setRateLimit({ scope: "KEY", scopeId: victimKey.keyId, rpm: 1 }, attacker)),
    ).toEqual(["NOT_FOUND"]);
    const byNode = await gateway.graphql<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { id ... on RateLimit { rpm } } }`,
      { id: victimRule.id },
      attacker,
    );
    expect(byNode.data?.node ?? null).toBeNull();
    const remove = await gateway.graphql(
      `mutation ($id: ID!) { deleteRateLimit(input: { id: $id }) { deletedId } }`,
      { id: victimRule.id },
      attacker,
    );
    expect(codesOf(remove)).toEqual(["NOT_FOUND"]);
    const update = await gateway.graphql(
      UPDATE_KEY,
      { input: { id: victimKey.keyId, rpm: 1 } },
      attacker,
    );
    expect(codesOf(update)).toEqual(["NOT_FOUND"]);
    const rows = await gateway.services.sql.db
      .select()
      .from(rateLimits)
      .where(eq(rateLimits.orgId, rawId(victimOrg)));
    expect(rows.map((row) => row.rpm)).toEqual([100]);
  });

  it("lets a VIEWER read rate limits but not set or delete them, nor update a key", async () => {
    const orgId = await createOrg(gateway, "viewers");
    const rule = await mustSetRateLimit({ scope: "ORG", scopeId: orgId, rpm: 5 });
    const { keyId } = await createKey(gateway, { orgId });
    const viewer = await createAdminToken(gateway, orgId, "VIEWER");
    const read = await gateway.graphql<{ org: { rateLimits: Connection<{ id: string }> } }>(
      `query ($id: ID!) { org(id: $id) { rateLimits { edges { node { id rpm } } } } }`,
      { id: orgId },
      viewer,
    );
    expect(nodesOf(read.data?.org.rateLimits ?? { edges: [] }).map((row) => row.id)).toEqual([
      rule.id,
    ]);
    expect(codesOf(await setRateLimit({ scope: "ORG", scopeId: orgId, rpm: 50 }, viewer))).toEqual([
      "FORBIDDEN",
    ]);
    const remove = await gateway.graphql(
      `mutation ($id: ID!) { deleteRateLimit(input: { id: $id }) { deletedId } }`,
      { id: rule.id },
      viewer,
    );
    expect(codesOf(remove)).toEqual(["FORBIDDEN"]);
    expect(
      codesOf(await gateway.graphql(UPDATE_KEY, { input: { id: keyId, rpm: 1 } }, viewer)),
    ).toEqual(["FORBIDDEN"]);
  });
});

describe("updateVirtualKey", () => {
  it("changes the fields given and leaves the others", async () => {
    const orgId = await createOrg(gateway, "key-updates");
    const { keyId } = await createKey(gateway, { orgId, rpm: 7 });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const data = await gateway.admin<{
      updateVirtualKey: { key: Record<string, unknown> };
    }>(UPDATE_KEY, {
      input: {
        id: keyId,
        name: "renamed",
        models: ["mock/*"],
        expiresAt,
        tpm: 500,
        metadata: { owner: "ml" },
      },
    });
    expect(data.updateVirtualKey.key).toEqual({
      id: keyId,
      name: "renamed",
      models: ["mock/*"],
      expiresAt,
      rpm: 7,
      tpm: 500,
      maxConcurrency: null,
      metadata: { owner: "ml" },
    });
  });

  it("clears a limit, the model list and the expiry given null", async () => {
    const orgId = await createOrg(gateway, "key-clears");
    const { keyId } = await createKey(gateway, { orgId, rpm: 7 });
    await gateway.admin(UPDATE_KEY, {
      input: { id: keyId, models: ["mock/*"], maxConcurrency: 3 },
    });
    const data = await gateway.admin<{ updateVirtualKey: { key: Record<string, unknown> } }>(
      UPDATE_KEY,
      { input: { id: keyId, rpm: null, models: null, expiresAt: null, maxConcurrency: null } },
    );
    expect(data.updateVirtualKey.key).toMatchObject({
      name: "test key",
      models: null,
      expiresAt: null,
      rpm: null,
      maxConcurrency: null,
    });
  });

  it.each([
    ["name", { name: null }],
    ["name", { name: "  " }],
    ["rpm", { rpm: 0 }],
    ["expiresAt", { expiresAt: "2001-01-01T00:00:00Z" }],
    ["models", { models: ["no spaces allowed"] }],
  ])("refuses a bad %s naming it", async (field, change) => {
    const orgId = await createOrg(gateway, "key-bad");
    const { keyId } = await createKey(gateway, { orgId });
    const result = await gateway.graphql(UPDATE_KEY, { input: { id: keyId, ...change } });
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    expect(messagesOf(result)).toContain(field);
  });
});

describe("through the gateway", () => {
  async function withSecondInstance(test: (second: TestGateway) => Promise<void>) {
    const second = await startTestGateway({ sameDeploymentAs: gateway });
    try {
      await test(second);
    } finally {
      await second.close();
    }
  }

  it("answers 429 on a second instance once a team's RPM is set there", async () => {
    await withSecondInstance(async (second) => {
      const orgId = await createOrg(gateway, "e2e-team");
      const teamId = await createTeam(gateway, orgId);
      const key = await createKey(gateway, { orgId, teamId });
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
      await mustSetRateLimit({ scope: "TEAM", scopeId: teamId, rpm: 1 });
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
      const refused = await second.call("/v1/chat/completions", hello, key.secret);
      expect(refused.status).toBe(429);
      expect((await refused.json()).error.message).toContain("team");
    });
  });

  it("counts a per-model rule only against calls naming that model", async () => {
    const orgId = await createOrg(gateway, "e2e-model");
    await gateway.admin(
      `mutation ($orgId: ID!) { createProvider(input: { orgId: $orgId, kind: "mock", name: "playground" }) { provider { id } } }`,
      { orgId },
    );
    const key = await createKey(gateway, { orgId });
    await mustSetRateLimit({ scope: "KEY", scopeId: key.keyId, model: "playground/echo", rpm: 1 });
    const playground = { ...hello, model: "playground/echo" };
    expect((await gateway.call("/v1/chat/completions", playground, key.secret)).status).toBe(200);
    expect((await gateway.call("/v1/chat/completions", playground, key.secret)).status).toBe(429);
    expect((await gateway.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
  });

  it("lifts the refusal on a second instance once the rule is deleted", async () => {
    await withSecondInstance(async (second) => {
      const orgId = await createOrg(gateway, "e2e-delete");
      const key = await createKey(gateway, { orgId });
      const rule = await mustSetRateLimit({ scope: "ORG", scopeId: orgId, rpm: 1 });
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(429);
      await gateway.admin(
        `mutation ($id: ID!) { deleteRateLimit(input: { id: $id }) { deletedId } }`,
        {
          id: rule.id,
        },
      );
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
    });
  });

  it("applies a key's new RPM on a second instance at once, and lifts it when cleared", async () => {
    await withSecondInstance(async (second) => {
      const orgId = await createOrg(gateway, "e2e-key-rpm");
      const key = await createKey(gateway, { orgId });
      // The second instance has the key cached (authenticated, no limits) before the update.
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
      await gateway.admin(UPDATE_KEY, { input: { id: key.keyId, rpm: 1 } });
      const first = await second.call("/v1/chat/completions", hello, key.secret);
      expect(first.status).toBe(200);
      expect(first.headers.get("x-ratelimit-limit-requests")).toBe("1");
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(429);
      await gateway.admin(UPDATE_KEY, { input: { id: key.keyId, rpm: null } });
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
    });
  });

  it("applies a key's new model list on a second instance at once", async () => {
    await withSecondInstance(async (second) => {
      const orgId = await createOrg(gateway, "e2e-key-models");
      const key = await createKey(gateway, { orgId });
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
      await gateway.admin(UPDATE_KEY, { input: { id: key.keyId, models: ["openai/*"] } });
      expect((await second.call("/v1/chat/completions", hello, key.secret)).status).toBe(403);
    });
  });
});
