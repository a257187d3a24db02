/**
 * On Node the SSRF guard also runs where the connection is made (node-connect-guard.ts), so a
 * DNS answer that turns private between the pre-check and the connect (rebinding) is refused.
 * The connect-time lookup is injected: it answers what a rebinding DNS server would.
 */
import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendUpstream } from "../../../functions/providers/http.ts";
import {
  createNodeUpstreamFetch,
  refusingPrivateAnswers,
} from "../../../functions/security/node-connect-guard.ts";
import { createUpstreamFetch } from "../../../functions/security/upstream-fetch.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai-server.ts";

const PUBLIC_ADDRESS = "93.184.216.34";
let upstream: FakeOpenAI;
let port: string;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  port = new URL(upstream.baseUrl).port;
});
afterAll(async () => {
  await upstream?.close();
});

/** A connect-time lookup with a fixed table, in Node's callback shape. */
function fakeLookup(table: Record<string, string[]>): LookupFunction {
  return (hostname, options, callback) => {
    const answers: LookupAddress[] = (table[hostname] ?? []).map((address) => ({
      address,
      family: address.includes(":") ? 6 : 4,
    }));
    if (answers.length === 0) {
      callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), []);
    } else if (options.all) callback(null, answers);
    else callback(null, answers[0]?.address ?? "", answers[0]?.family);
  };
}

/** Calls lookup the way net.connect does, and reports what it answered. */
function lookUp(lookup: LookupFunction, hostname: string, all: boolean) {
  return new Promise<{ error: Error | null; address: unknown; family: unknown }>((resolve) => {
    lookup(hostname, { all }, (error, address, family) => resolve({ error, address, family }));
  });
}

describe("a name that rebinds between the check and the connect, on Node", () => {
  it("is refused when the connection would reach a private address", async () => {
    const upstreamFetch = await createUpstreamFetch({
      allowPrivate: false,
      // The pre-check is told the name is public...
      resolveHost: async () => [PUBLIC_ADDRESS],
      // ...and the connection is then told it is loopback, where the fake upstream listens.
      connectLookup: fakeLookup({ "rebind.example": ["127.0.0.1"] }),
    });
    const failure = await sendUpstream(
      {
        method: "POST",
        baseUrl: `http://rebind.example:${port}/v1`,
        path: "/chat/completions",
        headers: { "content-type": "application/json" },
        body: "{}",
      },
      { signal: new AbortController().signal, fetch: upstreamFetch, requestId: "req_rebind" },
      "rebinding",
    ).catch((error: unknown) => error);

    expect(failure).toMatchObject({ kind: "network", status: 502, retryable: true });
    expect(String((failure as Error).message)).toContain(
      "refused: rebind.example resolves to a private address (loopback)",
    );
    expect(upstream.requests).toHaveLength(0);
  });

  it("is refused when any of the connect-time answers is private", async () => {
    const guarded = createNodeUpstreamFetch({
      lookup: fakeLookup({ "mixed.example": [PUBLIC_ADDRESS, "::1"] }),
    });
    await expect(guarded(`http://mixed.example:${port}/v1/models`)).rejects.toThrow();
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("the connect-time check on Node", () => {
  it("refuses an address literal the connection lands on, which no lookup sees", async () => {
    const guarded = createNodeUpstreamFetch({ lookup: fakeLookup({}) });
    const failure = await guarded(`http://127.0.0.1:${port}/v1/models`).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TypeError);
    expect(String((failure as Error).cause)).toContain(
      "refused: the connection reached a private address (loopback)",
    );
    expect(upstream.requests).toHaveLength(0);
  });

  it("passes public answers through unchanged, one or all as asked", async () => {
    const lookup = refusingPrivateAnswers(
      fakeLookup({ "api.example": [PUBLIC_ADDRESS, "2606:4700::1"] }),
    );
    expect(await lookUp(lookup, "api.example", true)).toMatchObject({
      error: null,
      address: [
        { address: PUBLIC_ADDRESS, family: 4 },
        { address: "2606:4700::1", family: 6 },
      ],
    });
    expect(await lookUp(lookup, "api.example", false)).toEqual({
      error: null,
      address: PUBLIC_ADDRESS,
      family: 4,
    });
  });

  it("passes a DNS failure through as it is", async () => {
    const { error } = await lookUp(
      refusingPrivateAnswers(fakeLookup({})),
      "nowhere.example",
      false,
    );
    expect(error).toMatchObject({ code: "ENOTFOUND" });
  });
});
