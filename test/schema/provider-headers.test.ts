/**
 * Provider headers are credentials: stored encrypted like apiKey, shown to nobody (VIEWER, OWNER
 * or the master key) except by name.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providers } from "../../db/schema/index.ts";
import { sealLegacyProviderHeaders } from "../../functions/routing/provider-headers.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

const HEADER_VALUE = "hdr-credential-9c1e77";
const OTHER_VALUE = "org-project-4410";

let gateway: TestGateway;
let orgId: string;
let providerId: string;
const tokens: Record<"OWNER" | "VIEWER", string> = { OWNER: "", VIEWER: "" };

beforeAll(async () => {
  gateway = await startTestGateway();
  const { createOrg } = await gateway.admin<{ createOrg: { org: { id: string } } }>(
    `mutation { createOrg(input: { name: "headers-org" }) { org { id } } }`,
  );
  orgId = createOrg.org.id;
  for (const role of ["OWNER", "VIEWER"] as const) {
    const { createAdminToken } = await gateway.admin<{ createAdminToken: { secret: string } }>(
      `mutation ($orgId: ID!, $role: AdminRole!) {
        createAdminToken(input: { orgId: $orgId, role: $role, name: "t" }) { secret }
      }`,
      { orgId, role },
    );
    tokens[role] = createAdminToken.secret;
  }
  const { createProvider } = await gateway.admin<{ createProvider: { provider: { id: string } } }>(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        orgId,
        kind: "openai-compatible",
        name: "proxied",
        baseUrl: "http://127.0.0.1:9/v1",
        config: {
          models: ["gpt-4o-mini"],
          headers: { "X-Proxy-Token": HEADER_VALUE, "OpenAI-Project": OTHER_VALUE },
        },
      },
    },
  );
  providerId = createProvider.provider.id;
});
afterAll(() => gateway?.close());

/** A relay global id is base64 of `Type:uuid`. */
const uuidOf = (globalId: string) => atob(globalId).split(":")[1] ?? "";

const READ_PROVIDER = `query ($orgId: ID!, $id: ID!) {
  org(id: $orgId) { providers { edges { node { id name headerNames config hasApiKey } } } }
  node(id: $id) { ... on Provider { id headerNames config } }
}`;

describe("reading a provider with headers", () => {
  it.each(["VIEWER", "OWNER"] as const)(
    "shows a %s the header names and no value",
    async (role) => {
      const result = await gateway.graphql<{
        org: {
          providers: {
            edges: Array<{ node: { headerNames: string[]; config: Record<string, unknown> } }>;
          };
        };
        node: { headerNames: string[] };
      }>(READ_PROVIDER, { orgId, id: providerId }, tokens[role]);
      expect(result.errors).toBeUndefined();
      expect(result.data?.org.providers.edges[0]?.node.headerNames).toEqual([
        "OpenAI-Project",
        "X-Proxy-Token",
      ]);
      expect(result.data?.org.providers.edges[0]?.node.config).toEqual({ models: ["gpt-4o-mini"] });
      expect(result.data?.node.headerNames).toEqual(["OpenAI-Project", "X-Proxy-Token"]);
      const text = JSON.stringify(result);
      expect(text).not.toContain(HEADER_VALUE);
      expect(text).not.toContain(OTHER_VALUE);
    },
  );

  it("shows the master key no value either", async () => {
    const result = await gateway.graphql(READ_PROVIDER, { orgId, id: providerId });
    expect(result.errors).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain(HEADER_VALUE);
  });
});

describe("storing provider headers", () => {
  it("keeps no header value in clear in the database row", async () => {
    const [row] = await gateway.services.sql.db
      .select()
      .from(providers)
      .where(eq(providers.name, "proxied"));
    expect(row?.config).toEqual({ models: ["gpt-4o-mini"] });
    expect(row?.headersCiphertext).toBeTruthy();
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(HEADER_VALUE);
    expect(stored).not.toContain(OTHER_VALUE);
    expect(
      JSON.parse(await gateway.services.keyring.decrypt(row?.headersCiphertext ?? "")),
    ).toEqual({ "X-Proxy-Token": HEADER_VALUE, "OpenAI-Project": OTHER_VALUE });
  });

  it.each([
    ["a value that is not a string", { "X-Count": 3 }],
    ["a value with a line break", { "X-Token": "a\r\nHost: evil" }],
    ["a name that is not a header name", { "X Token": "a" }],
    ["headers that are not an object", ["X-Token", "a"]],
  ])("refuses %s with BAD_USER_INPUT, naming config.headers", async (_label, headers) => {
    const result = await gateway.graphql(
      `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
      { input: { orgId, kind: "mock", name: "bad-headers", config: { headers } } },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toContain("config.headers");
  });
});

describe("rows written before headers were sealed", () => {
  it("are never shown, and the start-up sweep seals them once", async () => {
    const [legacy] = await gateway.services.sql.db
      .insert(providers)
      .values({
        orgId: uuidOf(orgId),
        kind: "mock",
        name: "legacy",
        config: { headers: { "X-Old-Token": "legacy-clear-value" } },
      })
      .returning();
    const read = await gateway.graphql(
      `query ($orgId: ID!) { org(id: $orgId) { providers { edges { node { name headerNames config } } } } }`,
      { orgId },
      tokens.VIEWER,
    );
    expect(JSON.stringify(read)).toContain("X-Old-Token");
    expect(JSON.stringify(read)).not.toContain("legacy-clear-value");

    expect(await sealLegacyProviderHeaders(gateway.services.sql.db, gateway.services.keyring)).toBe(
      1,
    );
    const [row] = await gateway.services.sql.db
      .select()
      .from(providers)
      .where(eq(providers.id, legacy?.id ?? ""));
    expect(JSON.stringify(row)).not.toContain("legacy-clear-value");
    expect(
      JSON.parse(await gateway.services.keyring.decrypt(row?.headersCiphertext ?? "")),
    ).toEqual({ "X-Old-Token": "legacy-clear-value" });
    // A second instance starting later finds nothing left to seal.
    expect(await sealLegacyProviderHeaders(gateway.services.sql.db, gateway.services.keyring)).toBe(
      0,
    );
  });
});
