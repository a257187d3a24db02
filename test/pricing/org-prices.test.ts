/**
 * An org's own prices through the admin API (setModelPrice, deleteModelPrice, Org.modelPrices)
 * as the gateway charges them: the cost header, the usage record and the budget hold, on this
 * instance and on another instance of the same deployment from its next call.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { budgets, usageRecords } from "../../db/schema/index.ts";
import { createOrgWithKey, rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";

const hello = { model: "mock/echo", messages: [{ role: "user", content: "what does this cost?" }] };

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

const SET_PRICE = `mutation ($input: SetModelPriceInput!) {
  setModelPrice(input: $input) {
    price { id model inputUsdPerMillion outputUsdPerMillion cachedInputUsdPerMillion cacheWriteUsdPerMillion }
  }
}`;

async function setPrice(
  gateway: TestGateway,
  input: Record<string, unknown>,
): Promise<{ id: string; model: string }> {
  const data = await gateway.admin<{ setModelPrice: { price: { id: string; model: string } } }>(
    SET_PRICE,
    { input },
  );
  return data.setModelPrice.price;
}

/** A call's charged cost as the header says it and as its usage record stored it. */
async function charged(gateway: TestGateway, secret: string) {
  const response = await gateway.call("/v1/chat/completions", hello, secret);
  expect(response.status).toBe(200);
  await gateway.services.background.drain();
  const [record] = await gateway.services.sql.db
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.requestId, response.headers.get("x-request-id") ?? ""));
  if (!record) throw new Error("no usage record");
  return { header: response.headers.get("x-switchyard-cost-usd"), record };
}

describe("setModelPrice", () => {
  it("charges the org's next call at its price: header and usage record, to the nano-USD", async () => {
    const key = await createOrgWithKey(gateway);
    await charged(gateway, key.secret); // warms this instance's cache of the org's prices

    await setPrice(gateway, {
      orgId: key.orgId,
      model: "mock/echo",
      inputUsdPerMillion: 1.000000001,
      outputUsdPerMillion: 2,
    });
    const { header, record } = await charged(gateway, key.secret);
    // $1.000000001 per million = 1,000,000,001 nano-USD per million tokens.
    const expected = Math.ceil(
      (record.inputTokens * 1_000_000_001 + record.outputTokens * 2e9) / 1e6,
    );
    expect(record.costNanoUsd).toBe(expected);
    expect(header).toBe((expected / 1e9).toFixed(9));
    expect(record.priceKnown).toBe(true);
  });

  it("reaches another instance of the deployment on its next call", async () => {
    const first = gateway;
    const second = await startTestGateway({ sameDeploymentAs: first });
    const key = await createOrgWithKey(first);
    const before = await charged(second, key.secret); // the second instance caches list prices

    await setPrice(first, {
      orgId: key.orgId,
      model: "echo",
      inputUsdPerMillion: 100,
      outputUsdPerMillion: 100,
    });
    const after = await charged(second, key.secret);
    const tokens = after.record.inputTokens + after.record.outputTokens;
    expect(after.record.costNanoUsd).toBe(tokens * 100_000);
    expect(after.record.costNanoUsd).toBeGreaterThan(before.record.costNanoUsd);
    await second.close();
  });

  it("holds a budget at the org's price", async () => {
    const key = await createOrgWithKey(gateway);
    await gateway.services.sql.db.insert(budgets).values({
      orgId: rawId(key.orgId),
      scope: "ORG",
      scopeId: rawId(key.orgId),
      limitNanoUsd: 10_000_000, // $0.01
      window: "1d",
    });
    await gateway.services.limits.announceChange(rawId(key.orgId));
    // At the list price (cents per million tokens) the call's worst case fits $0.01 …
    expect((await gateway.call("/v1/chat/completions", hello, key.secret)).status).toBe(200);
    // … at $10,000 per million its 4,096 possible output tokens alone do not.
    await setPrice(gateway, {
      orgId: key.orgId,
      model: "mock/echo",
      inputUsdPerMillion: 10_000,
      outputUsdPerMillion: 10_000,
    });
    expect((await gateway.call("/v1/chat/completions", hello, key.secret)).status).toBe(402);
  });

  it("replaces the org's price of a model, and deleteModelPrice restores the list price", async () => {
    const key = await createOrgWithKey(gateway);
    const listed = await charged(gateway, key.secret);
    await setPrice(gateway, {
      orgId: key.orgId,
      model: "mock/echo",
      inputUsdPerMillion: 5,
      outputUsdPerMillion: 5,
    });
    const price = await setPrice(gateway, {
      orgId: key.orgId,
      model: "mock/echo",
      inputUsdPerMillion: 7,
      outputUsdPerMillion: 7,
      cachedInputUsdPerMillion: 0.7,
    });
    const listing = await gateway.admin<{
      org: {
        modelPrices: {
          edges: Array<{
            node: {
              model: string;
              inputUsdPerMillion: number;
              cachedInputUsdPerMillion: number | null;
            };
          }>;
        };
      };
    }>(
      `query ($id: ID!) { org(id: $id) { modelPrices { edges { node { model inputUsdPerMillion cachedInputUsdPerMillion } } } } }`,
      { id: key.orgId },
    );
    expect(listing.org.modelPrices.edges.map((edge) => edge.node)).toEqual([
      { model: "mock/echo", inputUsdPerMillion: 7, cachedInputUsdPerMillion: 0.7 },
    ]);

    const deleted = await gateway.admin<{ deleteModelPrice: { deletedId: string } }>(
      `mutation ($id: ID!) { deleteModelPrice(input: { id: $id }) { deletedId } }`,
      { id: price.id },
    );
    expect(deleted.deleteModelPrice.deletedId).toBe(price.id);
    const again = await charged(gateway, key.secret);
    expect(again.record.costNanoUsd).toBe(listed.record.costNanoUsd);
  });

  it("refuses a price finer than a nano-USD per million, or negative, with BAD_USER_INPUT", async () => {
    const key = await createOrgWithKey(gateway);
    for (const inputUsdPerMillion of [0.0000000001, -1]) {
      const result = await gateway.graphql(SET_PRICE, {
        input: { orgId: key.orgId, model: "mock/echo", inputUsdPerMillion, outputUsdPerMillion: 1 },
      });
      expect(result.errors?.map((error) => error.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    }
  });
});

describe("tenant isolation", () => {
  async function adminToken(gateway: TestGateway, orgId: string): Promise<string> {
    const data = await gateway.admin<{ createAdminToken: { secret: string } }>(
      `mutation ($input: CreateAdminTokenInput!) { createAdminToken(input: $input) { secret } }`,
      { input: { orgId, role: "ADMIN", name: "prices" } },
    );
    return data.createAdminToken.secret;
  }

  it("lets an org admin price only its own org's calls", async () => {
    const mine = await createOrgWithKey(gateway);
    const theirs = await createOrgWithKey(gateway);
    const token = await adminToken(gateway, mine.orgId);
    const theirsBefore = await charged(gateway, theirs.secret);

    const there = await gateway.graphql(
      SET_PRICE,
      {
        input: {
          orgId: theirs.orgId,
          model: "mock/echo",
          inputUsdPerMillion: 0,
          outputUsdPerMillion: 0,
        },
      },
      token,
    );
    expect(there.errors?.map((error) => error.extensions?.code)).toEqual(["FORBIDDEN"]);

    const here = await gateway.graphql<{ setModelPrice: { price: { id: string } } }>(
      SET_PRICE,
      {
        input: {
          orgId: mine.orgId,
          model: "mock/echo",
          inputUsdPerMillion: 50,
          outputUsdPerMillion: 50,
        },
      },
      token,
    );
    expect(here.errors).toBeUndefined();
    const theirsAfter = await charged(gateway, theirs.secret);
    expect(theirsAfter.record.costNanoUsd).toBe(theirsBefore.record.costNanoUsd);
    const mineAfter = await charged(gateway, mine.secret);
    expect(mineAfter.record.costNanoUsd).toBeGreaterThan(theirsAfter.record.costNanoUsd);
  });

  it("hides another org's prices and refuses to delete them", async () => {
    const victim = await createOrgWithKey(gateway);
    const attacker = await createOrgWithKey(gateway);
    const price = await setPrice(gateway, {
      orgId: victim.orgId,
      model: "mock/echo",
      inputUsdPerMillion: 1,
      outputUsdPerMillion: 1,
    });
    const token = await adminToken(gateway, attacker.orgId);
    const byNode = await gateway.graphql<{ node: unknown }>(
      `query ($id: ID!) { node(id: $id) { id ... on ModelPrice { model } } }`,
      { id: price.id },
      token,
    );
    expect(byNode.data?.node ?? null).toBeNull();
    const deletion = await gateway.graphql(
      `mutation ($id: ID!) { deleteModelPrice(input: { id: $id }) { deletedId } }`,
      { id: price.id },
      token,
    );
    expect(deletion.errors?.map((error) => error.extensions?.code)).toEqual(["NOT_FOUND"]);
  });
});
