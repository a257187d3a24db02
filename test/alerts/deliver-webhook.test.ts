/**
 * One event to one receiver on 127.0.0.1: signed, retried with backoff on what may pass (no
 * answer, 5xx, 429), not retried on what will not (another 4xx, a redirect). The pauses go
 * through an injected sleep that records them and returns at once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type DeliveryTools,
  deliverWebhook,
  retryDelayMs,
  WEBHOOK_RETRY_POLICY,
} from "../../functions/alerts/deliver-webhook.ts";
import type { WebhookEvent } from "../../functions/alerts/webhook-events.ts";
import { mintWebhookSecret } from "../../functions/alerts/webhook-secret.ts";
import { guardUpstreamFetch } from "../../functions/security/guarded-fetch.ts";
import { type FakeWebhookReceiver, startFakeWebhookReceiver } from "../fakes/webhook-receiver.ts";
import { receiverAccepts } from "./receiver-check.ts";

const secret = mintWebhookSecret();
const event: WebhookEvent = {
  id: "8a1f3a52-6f1e-4a47-9a51-3c0f2f0b6f7e",
  type: "budget.threshold_crossed",
  createdAt: "2026-01-01T00:00:00.000Z",
  data: { fraction: 0.8 },
};

let receiver: FakeWebhookReceiver;
let now: number;
let pauses: number[];
let tools: DeliveryTools;

beforeAll(async () => {
  receiver = await startFakeWebhookReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.received.length = 0;
  receiver.answer(200);
  now = 1_767_225_600_000;
  pauses = [];
  tools = {
    fetch: globalThis.fetch,
    clock: () => now,
    random: () => 0.5,
    // Time moves by the pause, as it would: each retry is signed at its own time.
    sleep: async (ms) => {
      pauses.push(ms);
      now += ms;
    },
  };
});

const target = () => ({ url: receiver.url, secret });

describe("delivering a webhook", () => {
  it("POSTs the event as JSON with its id and a signature the receiver verifies", async () => {
    const outcome = await deliverWebhook(target(), event, tools);

    expect(outcome).toEqual({ delivered: true, attempts: 1, status: 200 });
    const [request] = receiver.received;
    expect(request?.method).toBe("POST");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["x-switchyard-event-id"]).toBe(event.id);
    expect(JSON.parse(request?.rawBody ?? "")).toEqual(event);
    const header = request?.headers["x-switchyard-signature"];
    expect(receiverAccepts(secret, request?.rawBody ?? "", header, now / 1000)).toBe(true);
  });

  it("retries a receiver that answers 500 twice, then delivers once", async () => {
    receiver.answer(500, 500, 200);

    const outcome = await deliverWebhook(target(), event, tools);

    expect(outcome).toEqual({ delivered: true, attempts: 3, status: 200 });
    expect(receiver.received.map((request) => request.answeredWith)).toEqual([500, 500, 200]);
    expect(pauses).toEqual([750, 2_250]);
  });

  it("sends the same event id and body on every retry, each signed at its own time", async () => {
    receiver.answer(503, 200);
    tools.random = () => 0.999_999; // a pause of a whole second

    await deliverWebhook(target(), event, tools);

    const [first, second] = receiver.received;
    expect(second?.rawBody).toBe(first?.rawBody);
    expect(second?.headers["x-switchyard-event-id"]).toBe(event.id);
    expect(second?.headers["x-switchyard-signature"]).not.toBe(
      first?.headers["x-switchyard-signature"],
    );
    expect(
      receiverAccepts(
        secret,
        second?.rawBody ?? "",
        second?.headers["x-switchyard-signature"],
        now / 1000,
      ),
    ).toBe(true);
  });

  it("retries a 429", async () => {
    receiver.answer(429, 200);
    expect(await deliverWebhook(target(), event, tools)).toMatchObject({
      delivered: true,
      attempts: 2,
    });
  });

  it("does not retry a 400", async () => {
    receiver.answer(400);

    const outcome = await deliverWebhook(target(), event, tools);

    expect(outcome).toEqual({
      delivered: false,
      attempts: 1,
      status: 400,
      reason: "answered HTTP 400",
    });
    expect(receiver.received).toHaveLength(1);
    expect(pauses).toEqual([]);
  });

  it("does not follow or retry a redirect", async () => {
    receiver.answer(302);

    const outcome = await deliverWebhook(target(), event, tools);

    expect(outcome).toMatchObject({ delivered: false, attempts: 1, status: 302 });
    expect(receiver.received).toHaveLength(1);
  });

  it("gives up after 4 attempts and about 13 s of pauses at most", async () => {
    receiver.answer(500);
    tools.random = () => 0.999_999;

    const outcome = await deliverWebhook(target(), event, tools);

    expect(outcome).toEqual({
      delivered: false,
      attempts: 4,
      status: 500,
      reason: "answered HTTP 500",
    });
    expect(receiver.received).toHaveLength(4);
    expect(pauses).toEqual([1_000, 3_000, 9_000]);
  });

  it("retries when nothing answers", async () => {
    const closed = await startFakeWebhookReceiver();
    await closed.close();

    const outcome = await deliverWebhook({ url: closed.url, secret }, event, tools);

    expect(outcome).toMatchObject({ delivered: false, attempts: 4, status: null });
    expect(pauses).toHaveLength(3);
  });

  it("does not retry an address the SSRF guard refuses", async () => {
    tools.fetch = guardUpstreamFetch(globalThis.fetch, {
      allowPrivate: false,
      resolveHost: async () => [],
    });

    const outcome = await deliverWebhook(target(), event, tools);

    expect(outcome).toMatchObject({ delivered: false, attempts: 1, status: null });
    expect(outcome.delivered === false && outcome.reason).toMatch(/private address/);
    expect(receiver.received).toHaveLength(0);
  });
});

describe("the pause before a retry", () => {
  it("grows threefold from one second, half of it random", () => {
    const low = [1, 2, 3].map((n) => retryDelayMs(n, WEBHOOK_RETRY_POLICY, () => 0));
    const high = [1, 2, 3].map((n) => retryDelayMs(n, WEBHOOK_RETRY_POLICY, () => 1));
    expect(low).toEqual([500, 1_500, 4_500]);
    expect(high).toEqual([1_000, 3_000, 9_000]);
  });
});
