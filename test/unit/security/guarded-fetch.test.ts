import { describe, expect, it } from "vitest";
import {
  guardUpstreamFetch,
  UpstreamRefusedError,
} from "../../../functions/security/guarded-fetch.ts";

function setup(allowPrivate = false) {
  const answers = new Map<string, string[]>([["api.example.test", ["93.184.216.34"]]]);
  const lookups: string[] = [];
  const sent: string[] = [];
  const redirectModes: (RequestRedirect | undefined)[] = [];
  const clock = { now: 0 };
  const guarded = guardUpstreamFetch(
    async (input, init) => {
      sent.push(String(input));
      redirectModes.push(init?.redirect);
      return new Response("ok");
    },
    {
      allowPrivate,
      now: () => clock.now,
      resolveHost: async (host) => {
        lookups.push(host);
        return answers.get(host) ?? [];
      },
    },
  );
  return { guarded, answers, lookups, sent, redirectModes, clock };
}

describe("guardUpstreamFetch", () => {
  it("passes calls to public hosts through, looking each host up once per 30 s", async () => {
    const { guarded, lookups, sent, clock } = setup();
    await guarded("http://api.example.test/v1/chat/completions");
    await guarded("http://api.example.test/v1/embeddings");
    expect(sent).toHaveLength(2);
    expect(lookups).toEqual(["api.example.test"]);
    clock.now += 30_001;
    await guarded("http://api.example.test/v1/chat/completions");
    expect(lookups).toHaveLength(2);
  });

  it("refuses a host that resolves to a private address, without sending", async () => {
    const { guarded, answers, sent, clock } = setup();
    answers.set("api.example.test", ["10.0.0.7"]);
    await expect(guarded("http://api.example.test/v1/chat/completions")).rejects.toBeInstanceOf(
      UpstreamRefusedError,
    );
    await expect(guarded("http://127.0.0.1:9/v1")).rejects.toThrow("private address");
    expect(sent).toEqual([]);
    // Once the name points somewhere public again (and the verdict has aged), calls go through.
    answers.set("api.example.test", ["93.184.216.34"]);
    clock.now += 30_001;
    await guarded("http://api.example.test/v1/chat/completions");
    expect(sent).toHaveLength(1);
  });

  it("never lets the transport follow a redirect past the check", async () => {
    const { guarded, redirectModes } = setup();
    await guarded("http://api.example.test/v1/chat/completions", { redirect: "follow" });
    await guarded("http://api.example.test/v1/chat/completions");
    expect(redirectModes).toEqual(["manual", "manual"]);
  });

  it("is the plain fetch where private upstreams are allowed", async () => {
    const { guarded, lookups, sent } = setup(true);
    await guarded("http://127.0.0.1:9/v1");
    expect(sent).toEqual(["http://127.0.0.1:9/v1"]);
    expect(lookups).toEqual([]);
  });
});
