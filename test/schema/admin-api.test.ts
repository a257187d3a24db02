import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providers, virtualKeySecrets, virtualKeys } from "../../db/schema/index.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const hello = { model: "mock/echo", messages: [{ role: "user", content: "hi" }] };

async function createOrg(name: string): Promise<string> {
  const data = await gateway.admin<{ createOrg: { org: { id: string; name: string } } }>(
    `mutation ($name: String!) { createOrg(input: { name: $name }) { org { id name } } }`,
    { name },
  );
  expect(data.createOrg.org.name).toBe(name);
  return data.createOrg.org.id;
}

async function createAdminToken(orgId: string, role: "OWNER" | "ADMIN" | "VIEWER") {
  const data = await gateway.admin<{ createAdminToken: { secret: string } }>(
    `mutation ($input: CreateAdminTokenInput!) {
      createAdminToken(input: $input) { token { id role prefix } secret }
    }`,
    { input: { orgId, role, name: `${role} token` } },
  );
  return data.createAdminToken.secret;
}

const codesOf = (result: { errors?: Array<{ extensions?: { code?: string } }> }) =>
  result.errors?.map((error) => error.extensions?.code);

describe("authentication", () => {
  it("refuses a request without a token with UNAUTHENTICATED", async () => {
    const result = await gateway.graphql(`{ orgs { edges { node { id } } } }`, {}, "");
    expect(codesOf(result)).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses a wrong token with UNAUTHENTICATED", async () => {
    const result = await gateway.graphql(
      `{ orgs { edges { node { id } } } }`,
      {},
      "sya-not-a-real-token",
    );
    expect(codesOf(result)).toEqual(["UNAUTHENTICATED"]);
  });

  it("tells the master key who it is", async () => {
    const data = await gateway.admin<{ viewer: { kind: string } }>(`{ viewer { kind } }`);
    expect(data.viewer.kind).toBe("MASTER");
  });
});

describe("virtual keys", () => {
  it("shows the secret once, with its prefix, and stores only a keyed hash", async () => {
    const orgId = await createOrg("keys-org");
    const data = await gateway.admin<{
      createVirtualKey: { key: { id: string; prefix: string; name: string }; secret: string };
    }>(
      `mutation ($orgId: ID!) {
        createVirtualKey(input: { orgId: $orgId, name: "ci", models: ["mock/*"], rpm: 60 }) {
          key { id prefix name } secret
        }
      }`,
      { orgId },
    );
    const { key, secret } = data.createVirtualKey;
    expect(secret).toMatch(/^sy-[0-9A-Za-z]{36}$/);
    expect(secret.startsWith(key.prefix)).toBe(true);
    const rows = await gateway.services.sql.db.select().from(virtualKeySecrets);
    expect(rows.some((row) => row.secretHash === secret)).toBe(false);
    expect(JSON.stringify(await gateway.services.sql.db.select().from(virtualKeys))).not.toContain(
      secret,
    );
    const again = await gateway.admin<{ node: { prefix: string } }>(
      `query ($id: ID!) { node(id: $id) { ... on VirtualKey { prefix } } }`,
      { id: key.id },
    );
    expect(JSON.stringify(again)).not.toContain(secret);
  });

  it("rejects an expiry in the past with BAD_USER_INPUT", async () => {
    const orgId = await createOrg("expiry-org");
    const result = await gateway.graphql(
      `mutation ($orgId: ID!) {
        createVirtualKey(input: { orgId: $orgId, name: "old", expiresAt: "2001-01-01T00:00:00Z" }) { secret }
      }`,
      { orgId },
    );
    expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
  });

  it("keeps the old secret working during the rotation grace period, and the new one at once", async () => {
    const key = await createOrgWithKey(gateway);
    const data = await gateway.admin<{ rotateVirtualKey: { secret: string } }>(
      `mutation ($id: ID!) { rotateVirtualKey(input: { id: $id, gracePeriodSeconds: 3600 }) { secret } }`,
      { id: key.keyId },
    );
    const fresh = data.rotateVirtualKey.secret;
    expect(fresh).not.toBe(key.secret);
    expect((await gateway.call("/v1/chat/completions", hello, fresh)).status).toBe(200);
    expect((await gateway.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
  });

  it("stops the old secret at once when rotated without grace", async () => {
    const key = await createOrgWithKey(gateway);
    await gateway.admin(
      `mutation ($id: ID!) { rotateVirtualKey(input: { id: $id, gracePeriodSeconds: 0 }) { secret } }`,
      { id: key.keyId },
    );
    expect((await gateway.call("/v1/chat/completions", hello, key.secret)).status).toBe(401);
  });
});

describe("providers", () => {
  it("stores an API key encrypted and never returns it", async () => {
    const orgId = await createOrg("byok-org");
    const data = await gateway.admin<{
      createProvider: { provider: { id: string; name: string; hasApiKey: boolean } };
    }>(
      `mutation ($orgId: ID!) {
        createProvider(input: { orgId: $orgId, kind: "openai-compatible", name: "lab",
          baseUrl: "http://127.0.0.1:9/v1", apiKey: "upstream-secret-123" }) {
          provider { id name hasApiKey }
        }
      }`,
      { orgId },
    );
    expect(data.createProvider.provider).toMatchObject({ name: "lab", hasApiKey: true });
    const [row] = await gateway.services.sql.db
      .select()
      .from(providers)
      .where(eq(providers.name, "lab"));
    expect(row?.apiKeyCiphertext).toBeTruthy();
    expect(row?.apiKeyCiphertext).not.toContain("upstream-secret-123");
    expect(await gateway.services.keyring.decrypt(row?.apiKeyCiphertext ?? "")).toBe(
      "upstream-secret-123",
    );
  });

  it("requires a baseUrl for openai-compatible and rejects unknown kinds", async () => {
    const orgId = await createOrg("kinds-org");
    const noUrl = await gateway.graphql(
      `mutation ($orgId: ID!) { createProvider(input: { orgId: $orgId, kind: "openai-compatible", name: "x" }) { provider { id } } }`,
      { orgId },
    );
    expect(codesOf(noUrl)).toEqual(["BAD_USER_INPUT"]);
    const unknown = await gateway.graphql(
      `mutation ($orgId: ID!) { createProvider(input: { orgId: $orgId, kind: "carrier-pigeon", name: "y" }) { provider { id } } }`,
      { orgId },
    );
    expect(codesOf(unknown)).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers CONFLICT for a duplicate name and for the built-in name mock", async () => {
    const orgId = await createOrg("dupe-org");
    const create = (name: string) =>
      gateway.graphql(
        `mutation ($orgId: ID!, $name: String!) { createProvider(input: { orgId: $orgId, kind: "mock", name: $name }) { provider { id } } }`,
        { orgId, name },
      );
    expect((await create("demo")).errors).toBeUndefined();
    expect(codesOf(await create("demo"))).toEqual(["CONFLICT"]);
    expect(codesOf(await create("mock"))).toEqual(["CONFLICT"]);
  });

  it("refuses private base URLs in production unless allowed", async () => {
    const production = await startTestGateway({
      env: { NODE_ENV: "production", SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS: "false" },
    });
    try {
      const { createOrg: created } = await production.admin<{ createOrg: { org: { id: string } } }>(
        `mutation { createOrg(input: { name: "prod" }) { org { id } } }`,
      );
      for (const baseUrl of [
        "http://127.0.0.1:8080/v1",
        "http://10.1.2.3/v1",
        "http://localhost/v1",
        "http://[::1]/v1",
        "http://169.254.169.254/v1",
      ]) {
        const result = await production.graphql(
          `mutation ($orgId: ID!, $baseUrl: String!) { createProvider(input: { orgId: $orgId, kind: "openai-compatible", name: "p", baseUrl: $baseUrl }) { provider { id } } }`,
          { orgId: created.org.id, baseUrl },
        );
        expect(codesOf(result), baseUrl).toEqual(["BAD_USER_INPUT"]);
      }
    } finally {
      await production.close();
    }
  });
});

describe("tenant isolation", () => {
  it("lets an org token see and change only its own org", async () => {
    const mine = await createOrg("mine");
    const theirs = await createOrg("theirs");
    const token = await createAdminToken(mine, "ADMIN");

    const orgs = await gateway.graphql<{ orgs: { edges: Array<{ node: { id: string } }> } }>(
      `{ orgs { edges { node { id } } } }`,
      {},
      token,
    );
    expect(orgs.data?.orgs.edges.map((edge) => edge.node.id)).toEqual([mine]);

    const byId = await gateway.graphql(
      `query ($id: ID!) { org(id: $id) { id name } }`,
      { id: theirs },
      token,
    );
    expect(codesOf(byId)).toEqual(["NOT_FOUND"]);

    const byNode = await gateway.graphql<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { id ... on Org { name } } }`,
      { id: theirs },
      token,
    );
    expect(byNode.data?.node ?? null).toBeNull();
    expect(JSON.stringify(byNode)).not.toContain("theirs");

    const createThere = await gateway.graphql(
      `mutation ($orgId: ID!) { createVirtualKey(input: { orgId: $orgId, name: "sneaky" }) { secret } }`,
      { orgId: theirs },
      token,
    );
    expect(codesOf(createThere)).toEqual(["FORBIDDEN"]);
    expect(createThere.data ?? null).toBeNull();

    const createHere = await gateway.graphql(
      `mutation ($orgId: ID!) { createVirtualKey(input: { orgId: $orgId, name: "fine" }) { secret } }`,
      { orgId: mine },
      token,
    );
    expect(createHere.errors).toBeUndefined();
  });

  it("does not hand another org's key to an org token through node(id)", async () => {
    const victim = await createOrgWithKey(gateway);
    const attackerOrg = await createOrg("attacker");
    const token = await createAdminToken(attackerOrg, "OWNER");
    const result = await gateway.graphql<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { id ... on VirtualKey { name prefix } } }`,
      { id: victim.keyId },
      token,
    );
    expect(result.data?.node ?? null).toBeNull();
    const revoke = await gateway.graphql(
      `mutation ($id: ID!) { revokeVirtualKey(input: { id: $id }) { key { id } } }`,
      { id: victim.keyId },
      token,
    );
    expect(codesOf(revoke)).toEqual(["NOT_FOUND"]);
    expect((await gateway.call("/v1/chat/completions", hello, victim.secret)).status).toBe(200);
  });

  it("lets a VIEWER read but not write", async () => {
    const orgId = await createOrg("viewers");
    const token = await createAdminToken(orgId, "VIEWER");
    const read = await gateway.graphql(
      `query ($id: ID!) { org(id: $id) { name } }`,
      { id: orgId },
      token,
    );
    expect(read.errors).toBeUndefined();
    const write = await gateway.graphql(
      `mutation ($orgId: ID!) { createVirtualKey(input: { orgId: $orgId, name: "no" }) { secret } }`,
      { orgId },
      token,
    );
    expect(codesOf(write)).toEqual(["FORBIDDEN"]);
  });

  it("keeps createOrg for the master key", async () => {
    const orgId = await createOrg("owners");
    const token = await createAdminToken(orgId, "OWNER");
    const result = await gateway.graphql(
      `mutation { createOrg(input: { name: "x" }) { org { id } } }`,
      {},
      token,
    );
    expect(codesOf(result)).toEqual(["FORBIDDEN"]);
  });
});

describe("error shapes", () => {
  it("answers BAD_USER_INPUT for an empty org name and for a malformed id", async () => {
    const empty = await gateway.graphql(
      `mutation { createOrg(input: { name: "  " }) { org { id } } }`,
    );
    expect(codesOf(empty)).toEqual(["BAD_USER_INPUT"]);
    const badId = await gateway.graphql(`{ org(id: "definitely-not-an-id") { id } }`);
    expect(codesOf(badId)).toEqual(["BAD_USER_INPUT"]);
  });

  describe("a global id whose id part is not a UUID", () => {
    const notAUuid = (type: string) => Buffer.from(`${type}:not-a-uuid`).toString("base64");

    it("is BAD_USER_INPUT in node(id:)", async () => {
      const result = await gateway.graphql(`query ($id: ID!) { node(id: $id) { id } }`, {
        id: notAUuid("Org"),
      });
      expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    });

    it("is BAD_USER_INPUT in org(id:)", async () => {
      const result = await gateway.graphql(`query ($id: ID!) { org(id: $id) { id } }`, {
        id: notAUuid("Org"),
      });
      expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    });

    it("is BAD_USER_INPUT as an input's orgId", async () => {
      const result = await gateway.graphql(
        `mutation ($orgId: ID!) { createTeam(input: { orgId: $orgId, name: "t" }) { team { id } } }`,
        { orgId: notAUuid("Org") },
      );
      expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    });

    it("is BAD_USER_INPUT in nodes(ids:), even beside a good id", async () => {
      const orgId = await createOrg("nodes-org");
      const result = await gateway.graphql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
        ids: [orgId, notAUuid("VirtualKey")],
      });
      expect(codesOf(result)).toEqual(["BAD_USER_INPUT"]);
    });
  });

  it("never leaks an internal message", async () => {
    const result = await gateway.graphql(
      `mutation { createTeam(input: { orgId: "T3JnOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA==", name: "t" }) { team { id } } }`,
    );
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/violates|constraint|relation|postgres|drizzle|stack/i);
    expect(result.errors?.[0]?.extensions?.code).toBeDefined();
  });
});
