/**
 * Webhooks through the admin API: an org's ADMIN or OWNER creates and deletes them, any of its
 * admins reads them, nobody from another org sees or touches them, the signing secret is shown
 * once and stored only encrypted, and in production a URL may not reach a private address.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhooks } from "../../db/schema/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const CREATE = `mutation ($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id url events } secret }
}`;
const DELETE = `mutation ($id: ID!) { deleteWebhook(input: { id: $id }) { webhook { id } } }`;
const LIST = `query ($id: ID!) { org(id: $id) { webhooks { edges { node { id url events createdAt disabledAt } } } } }`;

interface Created {
  createWebhook: { webhook: { id: string; url: string; events: string[] }; secret: string };
}

async function createOrg(): Promise<string> {
  const data = await gateway.admin<{ createOrg: { org: { id: string } } }>(
    `mutation { createOrg(input: { name: "acme" }) { org { id } } }`,
  );
  return data.createOrg.org.id;
}

async function tokenFor(orgId: string, role: "OWNER" | "ADMIN" | "VIEWER"): Promise<string> {
  const data = await gateway.admin<{ createAdminToken: { secret: string } }>(
    `mutation ($input: CreateAdminTokenInput!) { createAdminToken(input: $input) { secret } }`,
    { input: { orgId, role, name: `${role} token` } },
  );
  return data.createAdminToken.secret;
}

function rawId(globalId: string): string {
  return Buffer.from(globalId, "base64").toString("utf8").split(":")[1] ?? "";
}

const codeOf = (result: { errors?: Array<{ extensions?: { code?: string } }> }) =>
  result.errors?.[0]?.extensions?.code;

describe("createWebhook", () => {
  it("returns the webhook and its signing secret, subscribed to every event by default", async () => {
    const orgId = await createOrg();

    const { createWebhook } = await gateway.admin<Created>(CREATE, {
      input: { orgId, url: "https://hooks.example.com/switchyard" },
    });

    expect(createWebhook.webhook.url).toBe("https://hooks.example.com/switchyard");
    expect(createWebhook.webhook.events).toEqual(["budget.threshold_crossed"]);
    expect(createWebhook.secret).toMatch(/^whsec_/);
  });

  it("stores the secret encrypted, never in clear", async () => {
    const orgId = await createOrg();
    const { createWebhook } = await gateway.admin<Created>(CREATE, {
      input: { orgId, url: "https://hooks.example.com/a" },
    });

    const [row] = await gateway.services.sql.db
      .select()
      .from(webhooks)
      .where(eq(webhooks.id, rawId(createWebhook.webhook.id)));

    expect(row?.secretCiphertext).not.toContain(createWebhook.secret.slice(6));
    expect(await gateway.services.keyring.decrypt(row?.secretCiphertext ?? "")).toBe(
      createWebhook.secret,
    );
  });

  it("never shows the secret again: a webhook has no field for it", async () => {
    const orgId = await createOrg();
    await gateway.admin<Created>(CREATE, { input: { orgId, url: "https://hooks.example.com/b" } });

    const result = await gateway.graphql(
      `query ($id: ID!) { org(id: $id) { webhooks { edges { node { secret } } } } }`,
      { id: orgId },
    );

    expect(codeOf(result)).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("refuses an event type that does not exist", async () => {
    const orgId = await createOrg();
    const result = await gateway.graphql(CREATE, {
      input: { orgId, url: "https://hooks.example.com/c", events: ["budget.exploded"] },
    });
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
  });

  it("refuses a URL that is not http(s)", async () => {
    const orgId = await createOrg();
    const result = await gateway.graphql(CREATE, { input: { orgId, url: "file:///etc/passwd" } });
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toBe("url must be http(s)");
  });
});

describe("who may manage an org's webhooks", () => {
  it("lets a VIEWER list them but not create or delete them", async () => {
    const orgId = await createOrg();
    const { createWebhook } = await gateway.admin<Created>(CREATE, {
      input: { orgId, url: "https://hooks.example.com/d" },
    });
    const viewer = await tokenFor(orgId, "VIEWER");

    const listed = await gateway.graphql<{
      org: { webhooks: { edges: Array<{ node: { id: string } }> } };
    }>(LIST, { id: orgId }, viewer);
    const created = await gateway.graphql(
      CREATE,
      { input: { orgId, url: "https://hooks.example.com/e" } },
      viewer,
    );
    const deleted = await gateway.graphql(DELETE, { id: createWebhook.webhook.id }, viewer);

    expect(listed.data?.org.webhooks.edges.map((edge) => edge.node.id)).toEqual([
      createWebhook.webhook.id,
    ]);
    expect(codeOf(created)).toBe("FORBIDDEN");
    expect(codeOf(deleted)).toBe("FORBIDDEN");
  });

  it("lets an ADMIN create and delete them", async () => {
    const orgId = await createOrg();
    const admin = await tokenFor(orgId, "ADMIN");

    const created = await gateway.graphql<Created>(
      CREATE,
      { input: { orgId, url: "https://hooks.example.com/f" } },
      admin,
    );
    const id = created.data?.createWebhook.webhook.id;
    const deleted = await gateway.graphql(DELETE, { id }, admin);
    const listed = await gateway.graphql<{ org: { webhooks: { edges: unknown[] } } }>(
      LIST,
      { id: orgId },
      admin,
    );

    expect(created.errors).toBeUndefined();
    expect(deleted.errors).toBeUndefined();
    expect(listed.data?.org.webhooks.edges).toEqual([]);
  });

  it("does not let another org's OWNER create, list or delete them", async () => {
    const victim = await createOrg();
    const { createWebhook } = await gateway.admin<Created>(CREATE, {
      input: { orgId: victim, url: "https://hooks.example.com/g" },
    });
    const attacker = await tokenFor(await createOrg(), "OWNER");

    const created = await gateway.graphql(
      CREATE,
      { input: { orgId: victim, url: "https://attacker.example.com/" } },
      attacker,
    );
    const listed = await gateway.graphql(LIST, { id: victim }, attacker);
    const node = await gateway.graphql<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { id } }`,
      { id: createWebhook.webhook.id },
      attacker,
    );
    const deleted = await gateway.graphql(DELETE, { id: createWebhook.webhook.id }, attacker);

    expect(codeOf(created)).toBe("FORBIDDEN");
    expect(codeOf(listed)).toBe("NOT_FOUND");
    expect(node.data?.node ?? null).toBeNull();
    expect(codeOf(deleted)).toBe("NOT_FOUND");
    const still = await gateway.admin<{ org: { webhooks: { edges: unknown[] } } }>(LIST, {
      id: victim,
    });
    expect(still.org.webhooks.edges).toHaveLength(1);
  });
});

describe("webhook URLs in production", () => {
  let production: TestGateway;
  beforeAll(async () => {
    production = await startTestGateway({
      env: { NODE_ENV: "production", SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS: "false" },
      resolveHost: async (hostname) =>
        hostname === "intranet.example.com" ? ["10.0.0.7"] : ["93.184.216.34"],
    });
  });
  afterAll(() => production?.close());

  async function createIn(url: string) {
    const { createOrg } = await production.admin<{ createOrg: { org: { id: string } } }>(
      `mutation { createOrg(input: { name: "acme" }) { org { id } } }`,
    );
    return production.graphql<Created>(CREATE, { input: { orgId: createOrg.org.id, url } });
  }

  it("refuses a loopback address", async () => {
    const result = await createIn("https://127.0.0.1:8443/hook");
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(/^url points at a private address/);
  });

  it("refuses a name that resolves to a private address", async () => {
    const result = await createIn("https://intranet.example.com/hook");
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(/^url resolves to a private address/);
  });

  it("refuses plain http", async () => {
    const result = await createIn("http://hooks.example.com/hook");
    expect(result.errors?.[0]?.message).toBe("url must be https in production");
  });

  it("accepts a public https URL", async () => {
    const result = await createIn("https://hooks.example.com/hook");
    expect(result.errors).toBeUndefined();
  });
});
