/**
 * The cross-tenant matrix: every mutation and every root query of the built schema, called with
 * another org's token and with a VIEWER's, against one org's objects. Each must be refused with
 * FORBIDDEN or NOT_FOUND, hand back nothing of the org, and change nothing in the database.
 */

import { encodeGlobalID } from "@pothos/plugin-relay";
import { eq, sql } from "drizzle-orm";
import {
  buildClientSchema,
  type GraphQLSchema,
  getIntrospectionQuery,
  type IntrospectionQuery,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, guardrailEvents, usageRecords } from "../../db/schema/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import {
  codesOf,
  createAdminToken,
  createKey,
  createOrg,
  createTeam,
  rawId,
} from "./admin-helpers.ts";
import { callsOf, connectionsQueryOf, type Fixtures, nodeTypeNames } from "./tenant-matrix.ts";

let gateway: TestGateway;
/** The served schema as a client sees it through introspection (one graphql-js realm). */
let schema: GraphQLSchema;
let victim: Fixtures;
/** The attacker's own org, holding one object of every type too (a twin of the victim's). */
let attacker: Fixtures;
let victimOrgName: string;
let foreignOwner: string;
let viewer: string;

beforeAll(async () => {
  gateway = await startTestGateway({ env: { CRON_SECRET: MATRIX_CRON_SECRET } });
  schema = buildClientSchema(await gateway.admin<IntrospectionQuery>(getIntrospectionQuery()));
  victimOrgName = `victim-${crypto.randomUUID()}`;
  victim = await victimFixtures(victimOrgName);
  const attackerOrg = await createOrg(gateway, "attacker");
  attacker = await victimFixtures("attacker-twin", attackerOrg);
  await storeAuditCheckpoints();
  foreignOwner = await createAdminToken(gateway, attackerOrg, "OWNER");
  viewer = await createAdminToken(gateway, victim.Org ?? "", "VIEWER");
}, 60_000);
afterAll(() => gateway?.close());

const MATRIX_CRON_SECRET = "matrix-cron-secret";

/** Stored checkpoints are written only by the cron job; run it once so both orgs have one. */
async function storeAuditCheckpoints(): Promise<void> {
  const response = await gateway.app.fetch(
    new Request("http://switchyard.test/cron/audit-checkpoints", {
      headers: { authorization: `Bearer ${MATRIX_CRON_SECRET}` },
    }),
  );
  expect(response.status).toBe(200);
}

/** One object of every type in an org, made by the master key. */
async function victimFixtures(orgName: string, existingOrg?: string): Promise<Fixtures> {
  const orgId = existingOrg ?? (await createOrg(gateway, orgName));
  const teamId = await createTeam(gateway, orgId, "matrix-team");
  const { keyId, secret } = await createKey(gateway, { orgId, teamId });
  const created = await gateway.admin<{
    createAdminToken: { token: { id: string } };
    createProvider: { provider: { id: string } };
    setModelPrice: { price: { id: string } };
    createWebhook: { webhook: { id: string } };
  }>(
    `mutation ($orgId: ID!) {
      createAdminToken(input: { orgId: $orgId, role: ADMIN, name: "matrix" }) { token { id } }
      createProvider(input: { orgId: $orgId, kind: "openai-compatible", name: "matrix-provider",
        baseUrl: "http://127.0.0.1:9/v1", apiKey: "sk-victim" }) { provider { id } }
      setModelPrice(input: { orgId: $orgId, model: "mock/echo", inputUsdPerMillion: 1,
        outputUsdPerMillion: 2 }) { price { id } }
      createWebhook(input: { orgId: $orgId, url: "http://127.0.0.1:9/victim" }) { webhook { id } }
    }`,
    { orgId },
  );
  const providerId = created.createProvider.provider.id;
  const limits = await gateway.admin<{
    createModelRoute: { route: { id: string } };
    setBudget: { budget: { id: string } };
    setRateLimit: { rateLimit: { id: string } };
  }>(
    `mutation ($orgId: ID!, $keyId: ID!, $providerId: ID!) {
      createModelRoute(input: { orgId: $orgId, alias: "matrix-route", strategy: PRIORITY,
        deployments: [{ providerId: $providerId, model: "m" }] }) { route { id } }
      setBudget(input: { scope: KEY, scopeId: $keyId, limitUsd: "5", window: "1d" }) { budget { id } }
      setRateLimit(input: { scope: KEY, scopeId: $keyId, rpm: 5 }) { rateLimit { id } }
    }`,
    { orgId, keyId, providerId },
  );
  const agentsAndGuardrails = await agentFixtures(orgId, secret);
  const [event] = await gateway.services.sql.db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(eq(auditEvents.orgId, rawId(orgId)))
    .limit(1);
  if (!event) throw new Error("the org has no audit event");
  return {
    ...agentsAndGuardrails,
    AuditEvent: encodeGlobalID("AuditEvent", event.id),
    Org: orgId,
    Team: teamId,
    VirtualKey: keyId,
    AdminToken: created.createAdminToken.token.id,
    Provider: providerId,
    ModelPrice: created.setModelPrice.price.id,
    Webhook: created.createWebhook.webhook.id,
    ModelRoute: limits.createModelRoute.route.id,
    Budget: limits.setBudget.budget.id,
    RateLimit: limits.setRateLimit.rateLimit.id,
  };
}

/**
 * Two agents (the grantor with a key of its own), a grant between them, a guardrail policy on the
 * org and a guardrail event and usage record of one call under it, all made through the API as an
 * operator would.
 */
async function agentFixtures(orgId: string, keySecret: string): Promise<Fixtures> {
  const made = await gateway.admin<{
    grantor: { agent: { id: string } };
    grantee: { agent: { id: string } };
    setGuardrailPolicy: { policy: { id: string } };
  }>(
    `mutation ($orgId: ID!) {
      grantor: createAgent(input: { orgId: $orgId, name: "matrix-agent-a" }) { agent { id } }
      grantee: createAgent(input: { orgId: $orgId, name: "matrix-agent-b" }) { agent { id } }
      setGuardrailPolicy(input: { scope: ORG, scopeId: $orgId, detectors: [EMAIL], action: FLAG,
        direction: INPUT }) { policy { id } }
    }`,
    { orgId },
  );
  const from = made.grantor.agent.id;
  const to = made.grantee.agent.id;
  const granted = await gateway.admin<{ createDelegationGrant: { grant: { id: string } } }>(
    `mutation ($orgId: ID!, $from: ID!, $to: ID!, $expiresAt: DateTime!) {
      createVirtualKey(input: { orgId: $orgId, agentId: $from, name: "matrix-agent-key" }) { secret }
      createDelegationGrant(input: { fromAgentId: $from, toAgentId: $to, maxSpendUsd: "1",
        expiresAt: $expiresAt }) { grant { id } }
    }`,
    { orgId, from, to, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
  );
  // One call whose prompt the org's policy flags leaves a guardrail event of the victim's key.
  const prompt = {
    model: "mock/echo",
    messages: [{ role: "user", content: "mail a@example.com" }],
  };
  expect((await gateway.call("/v1/chat/completions", prompt, keySecret)).status).toBe(200);
  await gateway.services.background.drain();
  const [event] = await gateway.services.sql.db
    .select({ id: guardrailEvents.id })
    .from(guardrailEvents)
    .where(eq(guardrailEvents.orgId, rawId(orgId)));
  if (!event) throw new Error("no guardrail event recorded");
  // The same call's usage record: a node, and a row of Org.usageRecords.
  const [record] = await gateway.services.sql.db
    .select({ id: usageRecords.id })
    .from(usageRecords)
    .where(eq(usageRecords.orgId, rawId(orgId)));
  if (!record) throw new Error("no usage record stored");
  return {
    Agent: from,
    GranteeAgent: to,
    DelegationGrant: granted.createDelegationGrant.grant.id,
    GuardrailPolicy: made.setGuardrailPolicy.policy.id,
    GuardrailEvent: encodeGlobalID("GuardrailEvent", event.id),
    UsageRecord: encodeGlobalID("UsageRecord", record.id),
  };
}

/**
 * A digest of every application table, so "changed nothing" covers rows no query names. Admin
 * tokens are digested without last_used_at, which using a token legitimately moves.
 */
async function databaseDigest(): Promise<string> {
  const tables = await gateway.services.sql.db.execute<{ name: string }>(
    sql`select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
    "objects",
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const row =
      name === "admin_tokens"
        ? sql`select md5(coalesce(string_agg(concat_ws('|', id, role, name, secret_hash, revoked_at, expires_at), ',' order by id), '')) as digest from admin_tokens`
        : sql`select md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as digest from ${sql.identifier(name)} t`;
    const [result] = await gateway.services.sql.db.execute<{ digest: string }>(row, "objects");
    parts.push(`${name}:${result?.digest}`);
  }
  return parts.join("\n");
}

/** Nothing of the victim org in a response: not an id (global or raw), not its name. */
function expectNothingOfTheVictim(body: unknown) {
  const text = JSON.stringify(body);
  for (const globalId of Object.values(victim)) {
    expect(text).not.toContain(globalId);
    expect(text).not.toContain(Buffer.from(globalId, "base64").toString().split(":")[1]);
  }
  expect(text).not.toContain(victimOrgName);
}

const mutations = () => callsOf(schema, "mutation", victim);
const queries = () => callsOf(schema, "query", victim);

describe("every mutation, against another org's objects", () => {
  it("is walked for every mutation of the schema", () => {
    const names = mutations().map((call) => call.field);
    expect(names.length).toBe(Object.keys(schema.getMutationType()?.getFields() ?? {}).length);
    expect(names).toEqual(expect.arrayContaining(["createTeam", "revokeVirtualKey", "setBudget"]));
  });

  it("is FORBIDDEN or NOT_FOUND for another org's OWNER, with no data and no change", async () => {
    const before = await databaseDigest();
    for (const call of mutations()) {
      const result = await gateway.graphql(call.document, call.variables, foreignOwner);
      expect({ call: call.field, errors: result.errors }).toEqual({
        call: call.field,
        errors: [
          expect.objectContaining({
            extensions: { code: expect.stringMatching(/^(FORBIDDEN|NOT_FOUND)$/) },
          }),
        ],
      });
      expect(result.data ?? null).toBeNull();
      expectNothingOfTheVictim(result);
    }
    expect(await databaseDigest()).toBe(before);
  });

  it("is FORBIDDEN for a VIEWER of the org itself, with no change", async () => {
    const before = await databaseDigest();
    for (const call of mutations()) {
      const result = await gateway.graphql(call.document, call.variables, viewer);
      expect({ call: call.field, codes: codesOf(result) }).toEqual({
        call: call.field,
        codes: ["FORBIDDEN"],
      });
      expect(result.data ?? null).toBeNull();
    }
    expect(await databaseDigest()).toBe(before);
  });

  it("lets the master key make the same generated calls (the inputs are valid)", async () => {
    // Guards the matrix itself: a refusal above must come from authorization, not bad input.
    const createTeam = mutations().find((call) => call.field === "createTeam");
    if (!createTeam) throw new Error("createTeam not generated");
    const result = await gateway.graphql(createTeam.document, createTeam.variables);
    expect(result.errors).toBeUndefined();
  });
});

describe("every query, about another org", () => {
  it("answers another org's OWNER with FORBIDDEN, NOT_FOUND or nothing of the org", async () => {
    for (const call of queries()) {
      const result = await gateway.graphql(call.document, call.variables, foreignOwner);
      for (const code of codesOf(result) ?? []) {
        expect({ call: call.field, code }).toEqual({
          call: call.field,
          code: expect.stringMatching(/^(FORBIDDEN|NOT_FOUND)$/),
        });
      }
      expectNothingOfTheVictim(result);
    }
  });
});

describe("node(id:) and nodes(ids:) with another org's ids", () => {
  it("has a fixture for every node type of the schema", () => {
    const missing = nodeTypeNames(schema).filter((type) => !victim[type]);
    expect(missing).toEqual([]);
  });

  it("answers null for each, to another org's OWNER, and the node to the org's VIEWER", async () => {
    for (const type of nodeTypeNames(schema)) {
      const id = victim[type];
      const query = `query ($id: ID!) { node(id: $id) { __typename id } }`;
      const foreign = await gateway.graphql<{ node: unknown }>(query, { id }, foreignOwner);
      expect({ type, node: foreign.data?.node ?? null }).toEqual({ type, node: null });
      expectNothingOfTheVictim(foreign);
      const own = await gateway.graphql<{ node: { id: string } | null }>(query, { id }, viewer);
      const visible = type === "AdminToken" ? null : id;
      if (visible) expect({ type, node: own.data?.node?.id }).toEqual({ type, node: id });
    }
  });

  it("answers nodes(ids:) with a null for every foreign id", async () => {
    const ids = nodeTypeNames(schema).map((type) => victim[type]);
    const result = await gateway.graphql<{ nodes: unknown[] }>(
      `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`,
      { ids },
      foreignOwner,
    );
    expect(result.data?.nodes).toEqual(ids.map(() => null));
    expectNothingOfTheVictim(result);
  });
});

describe("every connection of an org and an agent (Org.teams, Agent.grantsGiven, …)", () => {
  it("shows another org's OWNER its own rows in each list, and none of the victim's", async () => {
    for (const type of ["Org", "Agent"]) {
      const query = connectionsQueryOf(schema, type);
      const own = await gateway.graphql<{ node: Record<string, { edges: unknown[] }> }>(
        query,
        { id: attacker[type] },
        foreignOwner,
      );
      expect(own.errors).toBeUndefined();
      expectNothingOfTheVictim(own);
      // The lists are not empty: a filter that dropped every row would pass the check above.
      const filled = Object.values(own.data?.node ?? {}).filter((list) => list.edges.length > 0);
      expect(filled.length, type).toBeGreaterThan(0);
    }
  });

  it("shows the org's VIEWER its rows in every list but the OWNER-only admin tokens", async () => {
    const query = connectionsQueryOf(schema, "Org", ["adminTokens"]);
    const result = await gateway.graphql<{ node: Record<string, { edges: unknown[] }> }>(
      query,
      { id: victim.Org },
      viewer,
    );
    expect(result.errors).toBeUndefined();
    const lists = Object.entries(result.data?.node ?? {});
    expect(lists.length).toBeGreaterThan(5);
    for (const [field, list] of lists) {
      expect({ field, rows: (list?.edges.length ?? 0) > 0 }).toEqual({ field, rows: true });
    }
  });
});
