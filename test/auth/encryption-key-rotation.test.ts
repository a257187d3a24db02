/**
 * Rotating ENCRYPTION_KEY (README, "Rotating ENCRYPTION_KEY"): an instance started with the new
 * key and the old one in ENCRYPTION_KEY_PREVIOUS still opens credentials sealed under the old key
 * (a call through them reaches the upstream with the right API key), resealSecrets moves them
 * to the new key, and virtual keys and admin tokens keep authenticating because their hashes
 * derive from SWITCHYARD_HASH_KEY, not from ENCRYPTION_KEY.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providers } from "../../db/schema/index.ts";
import { loadConfig } from "../../functions/config.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { createAdminToken, createKey, createOrg, rawId } from "../schema/admin-helpers.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

const OLD_KEY = `old-encryption-key-${crypto.randomUUID()}`;
const NEW_KEY = `new-encryption-key-${crypto.randomUUID()}`;
const HASH_KEY = `hash-key-${crypto.randomUUID()}`;

let upstream: FakeOpenAI;
let before: TestGateway;
const started: TestGateway[] = [];
let orgId: string;
let providerId: string;
let keySecret: string;
let adminToken: string;

/** The same deployment (database, Redis) restarted with other keys. */
async function restartedWith(env: Record<string, string>): Promise<TestGateway> {
  const gateway = await startTestGateway({ sameDeploymentAs: before, env });
  started.push(gateway);
  return gateway;
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  before = await startTestGateway({
    env: { ENCRYPTION_KEY: OLD_KEY, SWITCHYARD_HASH_KEY: HASH_KEY },
  });
  orgId = await createOrg(before, "rotation");
  const made = await before.admin<{ createProvider: { provider: { id: string } } }>(
    `mutation ($org: ID!, $url: String!) {
      createProvider(input: { orgId: $org, kind: "openai-compatible", name: "upstream",
        baseUrl: $url, apiKey: "sk-sealed-under-the-old-key" }) { provider { id } }
    }`,
    { org: orgId, url: upstream.baseUrl },
  );
  providerId = made.createProvider.provider.id;
  keySecret = (await createKey(before, { orgId })).secret;
  adminToken = await createAdminToken(before, orgId, "ADMIN");
}, 180_000);
afterAll(async () => {
  for (const gateway of started) await gateway.close();
  await before?.close();
  await upstream?.close();
});

const hello = { model: "upstream/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };

async function storedApiKeyCiphertext(gateway: TestGateway): Promise<string> {
  const [row] = await gateway.services.sql.db
    .select({ sealed: providers.apiKeyCiphertext })
    .from(providers)
    .where(eq(providers.id, rawId(providerId)));
  return row?.sealed ?? "";
}

describe("ENCRYPTION_KEY rotated, the old key in ENCRYPTION_KEY_PREVIOUS", {
  timeout: 120_000,
}, () => {
  it("still opens the old credential: the call reaches the upstream with it", async () => {
    const rotated = await restartedWith({
      ENCRYPTION_KEY: NEW_KEY,
      ENCRYPTION_KEY_PREVIOUS: `${OLD_KEY}, unrelated-older-key-${crypto.randomUUID()}`,
      SWITCHYARD_HASH_KEY: HASH_KEY,
    });
    const seen = upstream.requests.length;
    const response = await rotated.call("/v1/chat/completions", hello, keySecret);
    expect(response.status).toBe(200);
    expect(upstream.requests[seen]?.headers.authorization).toBe(
      "Bearer sk-sealed-under-the-old-key",
    );
  });

  it("keeps virtual keys and admin tokens authenticating (hashes under SWITCHYARD_HASH_KEY)", async () => {
    const rotated = await restartedWith({
      ENCRYPTION_KEY: NEW_KEY,
      ENCRYPTION_KEY_PREVIOUS: OLD_KEY,
      SWITCHYARD_HASH_KEY: HASH_KEY,
    });
    const viewer = await rotated.graphql<{ viewer: { kind: string } }>(
      `{ viewer { kind } }`,
      {},
      adminToken,
    );
    expect(viewer.data?.viewer.kind).toBe("ADMIN_TOKEN");
    expect((await rotated.call("/v1/chat/completions", hello, keySecret)).status).toBe(200);
  });

  it("reseals the old ciphertexts under the new key, after which the old key can go", async () => {
    const rotated = await restartedWith({
      ENCRYPTION_KEY: NEW_KEY,
      ENCRYPTION_KEY_PREVIOUS: OLD_KEY,
      SWITCHYARD_HASH_KEY: HASH_KEY,
    });
    const sealedBefore = await storedApiKeyCiphertext(rotated);
    expect(rotated.services.keyring.needsReseal(sealedBefore)).toBe(true);
    const first = await rotated.admin<{
      resealSecrets: { keyId: string; providerApiKeys: number };
    }>(`mutation { resealSecrets { keyId providerApiKeys providerHeaders webhookSecrets } }`);
    expect(first.resealSecrets.keyId).toBe(rotated.services.keyring.keyId);
    expect(first.resealSecrets.providerApiKeys).toBeGreaterThanOrEqual(1);
    const sealedAfter = await storedApiKeyCiphertext(rotated);
    expect(sealedAfter).not.toBe(sealedBefore);
    expect(sealedAfter).not.toContain("sk-sealed");
    expect(rotated.services.keyring.needsReseal(sealedAfter)).toBe(false);
    const again = await rotated.admin<{ resealSecrets: { providerApiKeys: number } }>(
      `mutation { resealSecrets { providerApiKeys } }`,
    );
    expect(again.resealSecrets.providerApiKeys).toBe(0);

    // The old key dropped: the resealed credential still works.
    const withoutOld = await restartedWith({
      ENCRYPTION_KEY: NEW_KEY,
      SWITCHYARD_HASH_KEY: HASH_KEY,
    });
    const seen = upstream.requests.length;
    expect((await withoutOld.call("/v1/chat/completions", hello, keySecret)).status).toBe(200);
    expect(upstream.requests[seen]?.headers.authorization).toBe(
      "Bearer sk-sealed-under-the-old-key",
    );
  });

  it("refuses resealSecrets to an org's token", async () => {
    const result = await before.graphql(`mutation { resealSecrets { keyId } }`, {}, adminToken);
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(["FORBIDDEN"]);
  });
});

describe("ENCRYPTION_KEY rotated without ENCRYPTION_KEY_PREVIOUS", { timeout: 120_000 }, () => {
  it("fails the call with a clear error and never sends the upstream a wrong key", async () => {
    // A provider sealed under a key this instance does not hold (a fresh org: no resealed row).
    const org = await createOrg(before, "rotation-lost");
    await before.admin(
      `mutation ($org: ID!, $url: String!) {
        createProvider(input: { orgId: $org, kind: "openai-compatible", name: "lost",
          baseUrl: $url, apiKey: "sk-lost" }) { provider { id } }
      }`,
      { org, url: upstream.baseUrl },
    );
    const key = (await createKey(before, { orgId: org })).secret;
    const rotated = await restartedWith({ ENCRYPTION_KEY: NEW_KEY, SWITCHYARD_HASH_KEY: HASH_KEY });
    const seen = upstream.requests.length;
    const response = await rotated.call(
      "/v1/chat/completions",
      { ...hello, model: "lost/gpt-4o-mini" },
      key,
    );
    expect(response.status).toBeGreaterThanOrEqual(500);
    const text = await response.text();
    expect(text).not.toContain("sk-lost");
    expect(upstream.requests.length).toBe(seen);
    // The reason is logged for the operator; the startup check names the variable to set.
    const sealed = await rotated.services.sql.db
      .select({ sealed: providers.apiKeyCiphertext })
      .from(providers)
      .where(eq(providers.name, "lost"));
    await expect(rotated.services.keyring.decrypt(sealed[0]?.sealed ?? "")).rejects.toThrow(
      /neither ENCRYPTION_KEY nor a previous one/,
    );
  });
});

describe("the hash key", { timeout: 120_000 }, () => {
  it("refuses to start with ENCRYPTION_KEY_PREVIOUS but no SWITCHYARD_HASH_KEY", async () => {
    await expect(
      restartedWith({ ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: OLD_KEY }),
    ).rejects.toThrow(/SWITCHYARD_HASH_KEY/);
  });

  it("derives from ENCRYPTION_KEY when absent, exactly as before it existed", async () => {
    const derived = await restartedWith({ ENCRYPTION_KEY: OLD_KEY });
    const explicit = await restartedWith({ ENCRYPTION_KEY: NEW_KEY, SWITCHYARD_HASH_KEY: OLD_KEY });
    expect(await derived.services.keyring.hashSecret("sy-x")).toBe(
      await explicit.services.keyring.hashSecret("sy-x"),
    );
    // A key made under the ENCRYPTION_KEY-derived pepper is refused once ENCRYPTION_KEY changes
    // with no hash key: why the variable exists.
    const org = await createOrg(derived, "derived");
    const { secret } = await createKey(derived, { orgId: org });
    expect(
      (await derived.call("/v1/chat/completions", { ...hello, model: "mock/echo" }, secret)).status,
    ).toBe(200);
    const lost = await restartedWith({ ENCRYPTION_KEY: NEW_KEY });
    expect(
      (await lost.call("/v1/chat/completions", { ...hello, model: "mock/echo" }, secret)).status,
    ).toBe(401);
    const kept = await restartedWith({ ENCRYPTION_KEY: NEW_KEY, SWITCHYARD_HASH_KEY: OLD_KEY });
    expect(
      (await kept.call("/v1/chat/completions", { ...hello, model: "mock/echo" }, secret)).status,
    ).toBe(200);
  });

  it("is read from the environment, at least 32 characters", () => {
    expect(() => loadConfig({ ENCRYPTION_KEY: NEW_KEY, SWITCHYARD_HASH_KEY: "short" })).toThrow(
      /SWITCHYARD_HASH_KEY must be at least 32 characters/,
    );
    expect(
      loadConfig({ ENCRYPTION_KEY: NEW_KEY, ENCRYPTION_KEY_PREVIOUS: ` ${OLD_KEY} ,, ${HASH_KEY}` })
        .previousEncryptionKeys,
    ).toEqual([OLD_KEY, HASH_KEY]);
  });
});
