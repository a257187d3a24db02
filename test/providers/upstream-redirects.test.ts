/**
 * Provider calls never follow a redirect (functions/providers/http.ts): the SSRF guard vetted the
 * provider's URL, not the one a redirect names, and a followed redirect would carry the
 * provider's headers and the request body there. Runs over the platform's own fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "../../functions/providers/errors.ts";
import { sendUpstream } from "../../functions/providers/http.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import {
  REDIRECT_BODY,
  type RedirectingServer,
  startRedirectingServer,
} from "../fakes/redirect-server.ts";
import { callOptions } from "./helpers.ts";

let target: FakeOpenAI;
const redirectors = new Map<number, RedirectingServer>();
const STATUSES = [301, 302, 303, 307, 308] as const;

beforeAll(async () => {
  target = await startFakeOpenAI();
  for (const status of STATUSES) {
    redirectors.set(
      status,
      await startRedirectingServer({ location: `${target.baseUrl}/chat/completions`, status }),
    );
  }
});
afterAll(async () => {
  await target?.close();
  await Promise.all([...redirectors.values()].map((server) => server.close()));
});

function send(status: number): Promise<Response> {
  const redirector = redirectors.get(status);
  if (!redirector) throw new Error(`no redirector for ${status}`);
  return sendUpstream(
    {
      method: "POST",
      baseUrl: redirector.baseUrl,
      path: "/chat/completions",
      headers: { "content-type": "application/json", "x-upstream-credential": "header-secret" },
      body: JSON.stringify({ model: "m", messages: [] }),
    },
    callOptions(),
    "redirecting",
  );
}

describe("a provider that answers with a redirect", () => {
  it.each(STATUSES)("is not followed on %i: nothing reaches the target", async (status) => {
    await send(status).catch(() => undefined);
    expect(redirectors.get(status)?.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it("fails as an upstream error that names where the redirect pointed, not what it said", async () => {
    const error = await send(307).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "upstream_http", status: 307 });
    const { message } = error as ProviderError;
    expect(message).toContain(`answered 307 to ${new URL(target.baseUrl).origin}`);
    expect(message).not.toContain(REDIRECT_BODY);
    expect(message).not.toContain("/chat/completions");
  });

  it("lets the next deployment be tried", async () => {
    const error = await send(302).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ retryable: true });
  });
});
