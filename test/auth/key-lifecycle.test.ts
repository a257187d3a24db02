/**
 * A virtual key's life as an operator sees it: rotation with a grace period (on an injected
 * clock), revocation in force at once on every instance, lastUsedAt kept lazily, and provider
 * credentials sealed at rest.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providers, virtualKeys } from "../../db/schema/index.ts";
import { createOrgWithKey, rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";

const hello = { model: "mock/echo", messages: [{ role: "user", content: "hi" }] };

/** The clock every stage of both instances reads; tests move it instead of sleeping. */
let now = Date.parse("2026-06-01T12:00:00Z");
const clock = () => now;

let gateway: TestGateway;
let second: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({ clock });
  second = await startTestGateway({ clock, sameDeploymentAs: gateway });
});
afterAll(async () => {
  await second?.close();
  await gateway?.close();
});

async function status(instance: TestGateway, secret: string): Promise<number> {
  const response = await instance.call("/v1/chat/completions", hello, secret);
  await response.text();
  return response.status;
}

async function rotate(keyId: string, gracePeriodSeconds: number): Promise<string> {
  const data = await gateway.admin<{ rotateVirtualKey: { secret: string } }>(
    `mutation ($id: ID!, $grace: Int) {
      rotateVirtualKey(input: { id: $id, gracePeriodSeconds: $grace }) { secret }
    }`,
    { id: keyId, grace: gracePeriodSeconds },
  );
  return data.rotateVirtualKey.secret;
}

describe("rotateVirtualKey", () => {
  it("keeps the old secret for the grace period only, on every instance", async () => {
    const { keyId, secret: old } = await createOrgWithKey(gateway);
    // Both instances have the old secret cached before the rotation.
    expect(await status(gateway, old)).toBe(200);
    expect(await status(second, old)).toBe(200);

    const fresh = await rotate(keyId, 120);
    expect(await status(gateway, fresh)).toBe(200);
    expect(await status(second, fresh)).toBe(200);

    now += 119_000;
    expect(await status(gateway, old)).toBe(200);
    expect(await status(second, old)).toBe(200);

    now += 2_000;
    expect(await status(gateway, old)).toBe(401);
    expect(await status(second, old)).toBe(401);
    expect(await status(second, fresh)).toBe(200);
  });

  it("shortens an earlier, longer grace when rotated again", async () => {
    const { keyId, secret: first } = await createOrgWithKey(gateway);
    await rotate(keyId, 3600);
    const third = await rotate(keyId, 0);
    expect(await status(second, first)).toBe(401);
    expect(await status(second, third)).toBe(200);
  });
});

describe("revokeVirtualKey", () => {
  it("is refused at once by another instance that had the key cached", async () => {
    const { keyId, secret } = await createOrgWithKey(gateway);
    expect(await status(second, secret)).toBe(200);
    await gateway.admin(
      `mutation ($id: ID!) { revokeVirtualKey(input: { id: $id }) { key { id } } }`,
      {
        id: keyId,
      },
    );
    const response = await second.call("/v1/chat/completions", hello, secret);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("key_revoked");
    expect(await status(gateway, secret)).toBe(401);
  });
});

describe("lastUsedAt", () => {
  const LAST_USED = `query ($id: ID!) { node(id: $id) { ... on VirtualKey { lastUsedAt } } }`;

  async function lastUsed(keyId: string): Promise<string | null> {
    await gateway.services.background.drain();
    await second.services.background.drain();
    const data = await gateway.admin<{ node: { lastUsedAt: string | null } }>(LAST_USED, {
      id: keyId,
    });
    return data.node.lastUsedAt;
  }

  it("is empty until the key is used, then records the use to within a minute", async () => {
    const { keyId, secret } = await createOrgWithKey(gateway);
    expect(await lastUsed(keyId)).toBeNull();
    const firstUse = now;
    expect(await status(gateway, secret)).toBe(200);
    expect(await lastUsed(keyId)).toBe(new Date(firstUse).toISOString());

    // Within the minute, further calls (on either instance) do not write it again.
    now += 30_000;
    expect(await status(gateway, secret)).toBe(200);
    expect(await status(second, secret)).toBe(200);
    expect(await lastUsed(keyId)).toBe(new Date(firstUse).toISOString());

    now += 31_000;
    expect(await status(second, secret)).toBe(200);
    expect(await lastUsed(keyId)).toBe(new Date(now).toISOString());
  });
});

describe("provider credentials", () => {
  it("are sealed with AES-256-GCM under a key id, with no plaintext in the raw column", async () => {
    const { orgId } = await createOrgWithKey(gateway);
    const apiKey = "sk-plaintext-must-not-appear-0123456789";
    await gateway.admin(
      `mutation ($orgId: ID!, $apiKey: String!) {
        createProvider(input: { orgId: $orgId, kind: "openai", name: "sealed", apiKey: $apiKey }) { provider { id } }
      }`,
      { orgId, apiKey },
    );
    const [row] = await gateway.services.sql.db
      .select()
      .from(providers)
      .where(eq(providers.orgId, rawId(orgId)));
    expect(row?.apiKeyCiphertext).toMatch(
      new RegExp(`^v2\\.${gateway.services.keyring.keyId}\\.[\\w-]+\\.[\\w-]+$`),
    );
    expect(JSON.stringify(row)).not.toContain(apiKey);
    expect(JSON.stringify(row)).not.toContain(apiKey.slice(3, 20));
    expect(await gateway.services.keyring.decrypt(row?.apiKeyCiphertext ?? "")).toBe(apiKey);
  });

  it("announce every change of a provider to every instance (the org's version token)", async () => {
    const { orgId } = await createOrgWithKey(gateway);
    const { redis } = gateway.services.redis;
    const versionKey = gateway.services.limits.store.versionKey(rawId(orgId));
    const versions: unknown[] = [await redis.get(versionKey)];
    const created = await gateway.admin<{ createProvider: { provider: { id: string } } }>(
      `mutation ($orgId: ID!) {
        createProvider(input: { orgId: $orgId, kind: "openai", name: "announced" }) { provider { id } }
      }`,
      { orgId },
    );
    versions.push(await redis.get(versionKey));
    const id = created.createProvider.provider.id;
    await gateway.admin(
      `mutation ($id: ID!) { updateProvider(input: { id: $id, apiKey: "sk-2" }) { provider { id } } }`,
      { id },
    );
    versions.push(await redis.get(versionKey));
    await gateway.admin(
      `mutation ($id: ID!) { deleteProvider(input: { id: $id }) { deletedId } }`,
      { id },
    );
    versions.push(await redis.get(versionKey));
    expect(new Set(versions).size).toBe(4);
  });
});

describe("the key row", () => {
  it("keeps no secret of the key", async () => {
    const { keyId, secret } = await createOrgWithKey(gateway);
    const rows = await gateway.services.sql.db
      .select()
      .from(virtualKeys)
      .where(eq(virtualKeys.id, rawId(keyId)));
    expect(JSON.stringify(rows)).not.toContain(secret);
  });
});
