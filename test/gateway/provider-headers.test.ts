/**
 * Sealing a provider's headers at rest must not lose them on the wire: the gateway opens them
 * where it builds the provider call, and the upstream receives them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providers } from "../../db/schema/index.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { createOrgWithKey, startTestGateway, type TestGateway } from "../support/gateway.ts";

let upstream: FakeOpenAI;
let gateway: TestGateway;
let key: { orgId: string; keyId: string; secret: string };

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway();
  key = await createOrgWithKey(gateway);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const ask = (model: string) => ({ model, messages: [{ role: "user", content: "hi" }] });

describe("a provider's extra headers", () => {
  it("reach the upstream on every call, though stored encrypted", async () => {
    await gateway.admin(
      `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
      {
        input: {
          orgId: key.orgId,
          kind: "openai-compatible",
          name: "sealed",
          baseUrl: upstream.baseUrl,
          apiKey: "sk-upstream",
          config: { headers: { "X-Proxy-Token": "proxy-credential-31" } },
        },
      },
    );
    upstream.script({ kind: "complete" });
    const response = await gateway.call(
      "/v1/chat/completions",
      ask("sealed/gpt-4o-mini"),
      key.secret,
    );
    expect(response.status).toBe(200);
    const sent = upstream.requests.at(-1);
    expect(sent?.headers["x-proxy-token"]).toBe("proxy-credential-31");
    expect(sent?.headers.authorization).toBe("Bearer sk-upstream");
  });

  it("still reach the upstream from a row that kept them in clear", async () => {
    const orgId = atob(key.orgId).split(":")[1] ?? "";
    await gateway.services.sql.db.insert(providers).values({
      orgId,
      kind: "openai-compatible",
      name: "legacy",
      baseUrl: upstream.baseUrl,
      config: { headers: { "X-Old-Token": "legacy-credential-7" } },
    });
    gateway.services.models.forget(orgId);
    upstream.script({ kind: "complete" });
    const response = await gateway.call(
      "/v1/chat/completions",
      ask("legacy/gpt-4o-mini"),
      key.secret,
    );
    expect(response.status).toBe(200);
    expect(upstream.requests.at(-1)?.headers["x-old-token"]).toBe("legacy-credential-7");
  });
});
