/**
 * The signature scheme a receiver implements (README, "Alerts and webhooks"): Stripe's
 * `t=<unix seconds>,v1=<hex HMAC-SHA-256 of "<t>.<raw body>">`.
 */
import { describe, expect, it } from "vitest";
import { mintWebhookSecret } from "../../functions/alerts/webhook-secret.ts";
import {
  signatureHeaderFor,
  verifyWebhookSignature,
} from "../../functions/alerts/webhook-signature.ts";
import { receiverAccepts } from "./receiver-check.ts";

const secret = mintWebhookSecret();
const body = JSON.stringify({ id: "e1", type: "budget.threshold_crossed", data: { x: "é" } });
const t = 1_767_225_600;

describe("webhook signatures", () => {
  it("are the timestamp and a hex HMAC-SHA-256 of '<t>.<body>' under the secret", async () => {
    const header = await signatureHeaderFor(secret, body, t);

    expect(header).toMatch(/^t=1767225600,v1=[0-9a-f]{64}$/);
    expect(receiverAccepts(secret, body, header, t)).toBe(true);
  });

  it("verify for the receiver that holds the secret", async () => {
    const header = await signatureHeaderFor(secret, body, t);
    expect(await verifyWebhookSignature(secret, body, header, { nowSeconds: t + 10 })).toBe(true);
  });

  it("do not verify a body changed in transit", async () => {
    const header = await signatureHeaderFor(secret, body, t);
    const changed = body.replace("e1", "e2");
    expect(await verifyWebhookSignature(secret, changed, header, { nowSeconds: t })).toBe(false);
    expect(receiverAccepts(secret, changed, header, t)).toBe(false);
  });

  it("do not verify under another secret", async () => {
    const header = await signatureHeaderFor(mintWebhookSecret(), body, t);
    expect(await verifyWebhookSignature(secret, body, header, { nowSeconds: t })).toBe(false);
  });

  it("do not verify with the timestamp moved, so an old delivery cannot be replayed as new", async () => {
    const header = await signatureHeaderFor(secret, body, t);
    const moved = header.replace(`t=${t}`, `t=${t + 3_600}`);
    expect(await verifyWebhookSignature(secret, body, moved, { nowSeconds: t + 3_600 })).toBe(
      false,
    );
  });

  it("are refused once older than five minutes", async () => {
    const header = await signatureHeaderFor(secret, body, t);
    expect(await verifyWebhookSignature(secret, body, header, { nowSeconds: t + 301 })).toBe(false);
  });

  it("refuse a header without a v1 signature", async () => {
    expect(await verifyWebhookSignature(secret, body, `t=${t}`, { nowSeconds: t })).toBe(false);
  });
});

describe("webhook secrets", () => {
  it("carry 256 random bits behind a recognisable prefix", () => {
    const minted = mintWebhookSecret();
    expect(minted).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(mintWebhookSecret()).not.toBe(minted);
  });
});
