/**
 * A call to a model no price table knows (SWITCHYARD_UNKNOWN_PRICE): `zero` (the default) lets it
 * through at cost 0 with its usage record flagged; `refuse` answers 400 before the upstream is
 * called, until an admin prices the model.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRecords } from "../../db/schema/index.ts";
import { ConfigError, loadConfig } from "../../functions/config.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";

let upstream: FakeOpenAI;
beforeAll(async () => {
  upstream = await startFakeOpenAI();
});
afterAll(() => upstream?.close());

const unpriced = {
  model: "acme/acme-finetune-7b",
  messages: [{ role: "user", content: "what does this cost?" }],
};

async function orgWithUnpricedModel(gateway: TestGateway) {
  const key = await createOrgWithKey(gateway);
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "acme",
    baseUrl: upstream.baseUrl,
  });
  return key;
}

async function usageRecordOf(gateway: TestGateway, response: Response) {
  await gateway.services.background.drain();
  const [record] = await gateway.services.sql.db
    .select()
    .from(usageRecords)
    .where(eq(usageRecords.requestId, response.headers.get("x-request-id") ?? ""));
  return record;
}

describe("the SWITCHYARD_UNKNOWN_PRICE setting", () => {
  it("is zero unless set, and refuse when set so", () => {
    expect(loadConfig({}).unknownPrice).toBe("zero");
    expect(loadConfig({ SWITCHYARD_UNKNOWN_PRICE: "" }).unknownPrice).toBe("zero");
    expect(loadConfig({ SWITCHYARD_UNKNOWN_PRICE: "refuse" }).unknownPrice).toBe("refuse");
  });

  it("stops the start on any other value", () => {
    expect(() => loadConfig({ SWITCHYARD_UNKNOWN_PRICE: "free" })).toThrow(ConfigError);
  });
});

describe("SWITCHYARD_UNKNOWN_PRICE=zero (the default)", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway?.close());

  it("serves the call at cost 0 and flags its usage record as unpriced", async () => {
    const key = await orgWithUnpricedModel(gateway);
    upstream.script({ kind: "complete" });
    const response = await gateway.call("/v1/chat/completions", unpriced, key.secret);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-cost-usd")).toBe("0.000000000");
    const record = await usageRecordOf(gateway, response);
    expect(record).toMatchObject({ inputTokens: 12, costNanoUsd: 0, priceKnown: false });
  });

  it("does not flag a call whose model has a price", async () => {
    const key = await createOrgWithKey(gateway);
    const response = await gateway.call(
      "/v1/chat/completions",
      { ...unpriced, model: "mock/echo" },
      key.secret,
    );
    const record = await usageRecordOf(gateway, response);
    expect(record?.priceKnown).toBe(true);
    expect(record?.costNanoUsd).toBeGreaterThan(0);
  });
});

describe("SWITCHYARD_UNKNOWN_PRICE=refuse", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { SWITCHYARD_UNKNOWN_PRICE: "refuse" } });
  });
  afterAll(() => gateway?.close());

  it("refuses with an OpenAI-shaped 400 before calling the upstream", async () => {
    const key = await orgWithUnpricedModel(gateway);
    const sentBefore = upstream.requests.length;
    const response = await gateway.call("/v1/chat/completions", unpriced, key.secret);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: expect.stringContaining("No price is known for 'acme/acme-finetune-7b'"),
        type: "invalid_request_error",
        code: "model_price_unknown",
        param: "model",
      },
    });
    expect(upstream.requests.length).toBe(sentBefore);
  });

  it("serves the model, at the org's price, once an admin has priced it (on every instance)", async () => {
    const key = await orgWithUnpricedModel(gateway);
    const sibling = await startTestGateway({
      sameDeploymentAs: gateway,
      env: { SWITCHYARD_UNKNOWN_PRICE: "refuse" },
    });
    try {
      expect((await sibling.call("/v1/chat/completions", unpriced, key.secret)).status).toBe(400);
      await gateway.admin(
        `mutation ($input: SetModelPriceInput!) { setModelPrice(input: $input) { price { id } } }`,
        {
          input: {
            orgId: key.orgId,
            model: "acme/acme-finetune-7b",
            inputUsdPerMillion: 1,
            outputUsdPerMillion: 3,
          },
        },
      );
      upstream.script({ kind: "complete" });
      const response = await sibling.call("/v1/chat/completions", unpriced, key.secret);
      expect(response.status).toBe(200);
      // 12 prompt tokens × $1/M + 3 completion tokens × $3/M (the fake's reported usage)
      expect(response.headers.get("x-switchyard-cost-usd")).toBe("0.000021000");
      const record = await usageRecordOf(sibling, response);
      expect(record).toMatchObject({ costNanoUsd: 21_000, priceKnown: true });
    } finally {
      await sibling.close();
    }
  });

  it("still serves models that have a price", async () => {
    const key = await createOrgWithKey(gateway);
    const response = await gateway.call(
      "/v1/chat/completions",
      { ...unpriced, model: "mock/echo" },
      key.secret,
    );
    expect(response.status).toBe(200);
  });
});
