/**
 * Where private upstreams are refused (production), a provider whose hostname resolved to a
 * public address when it was created, but to a private one now, is not called: the SSRF guard
 * runs again at call time (functions/security/guarded-fetch.ts). A provider that redirects is
 * not followed (functions/providers/http.ts): the guard vetted its URL, not the redirect's.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import {
  REDIRECT_BODY,
  type RedirectingServer,
  startRedirectingServer,
} from "../fakes/redirect-server.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";

const PUBLIC_ADDRESS = "93.184.216.34";
let upstream: FakeOpenAI;
/** Answers every call with a 307 to the fake upstream on 127.0.0.1. */
let redirector: RedirectingServer;
let gateway: TestGateway;
let secret: string;
/** What the fake DNS answers, by hostname; the tests change it. */
const dns = new Map<string, string[]>();
/** Hostnames the gateway actually sent requests to. */
const contacted: string[] = [];

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  redirector = await startRedirectingServer({
    location: `${upstream.baseUrl}/chat/completions`,
    status: 307,
  });
  gateway = await startTestGateway({
    env: { NODE_ENV: "production", SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS: "false" },
    resolveHost: async (hostname) => dns.get(hostname) ?? [],
    // Stands in for the network: redirecting.upstream.test is served by the redirector, every
    // other *.upstream.test host by the fake upstream. Redirects are the platform fetch's own.
    fetch: (input, init) => {
      const url = new URL(String(input));
      contacted.push(url.hostname);
      const server = url.hostname === "redirecting.upstream.test" ? redirector : upstream;
      return fetch(`${server.baseUrl}${url.pathname.replace(/^\/v1/, "")}`, init);
    },
  });
  const key = await createOrgWithKey(gateway);
  secret = key.secret;
  dns.set("redirecting.upstream.test", [PUBLIC_ADDRESS]);
  await gateway.admin(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        kind: "openai-compatible",
        orgId: key.orgId,
        name: "redirecting",
        baseUrl: "http://redirecting.upstream.test/v1",
        apiKey: "sk-upstream",
        config: { headers: { "x-upstream-credential": "header-secret" } },
      },
    },
  );
  for (const name of ["steady", "rebound"]) {
    dns.set(`${name}.upstream.test`, [PUBLIC_ADDRESS]);
    await createOpenAICompatibleProvider(gateway, {
      orgId: key.orgId,
      name,
      baseUrl: `http://${name}.upstream.test/v1`,
      apiKey: "sk-upstream",
    });
  }
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await redirector?.close();
});

const ask = (provider: string) =>
  gateway.call(
    "/v1/chat/completions",
    { model: `${provider}/gpt-4o-mini`, messages: [{ role: "user", content: "hi" }] },
    secret,
  );

it("calls a provider whose host resolves to a public address", async () => {
  const response = await ask("steady");
  expect(response.status).toBe(200);
  expect(contacted).toContain("steady.upstream.test");
});

it("refuses to call a provider whose host now resolves to a private address", async () => {
  dns.set("rebound.upstream.test", ["169.254.169.254"]);
  const response = await ask("rebound");
  expect(response.status).toBe(502);
  const body = (await response.json()) as { error: { message: string } };
  expect(body.error.message).toContain("private address");
  expect(contacted).not.toContain("rebound.upstream.test");

  // The other provider, and the server, are unaffected.
  expect((await ask("steady")).status).toBe(200);
});

it("does not follow a provider's redirect: nothing reaches the address it points at", async () => {
  const before = upstream.requests.length;
  const response = await ask("redirecting");
  expect(response.status).toBe(502);
  expect(redirector.requests).toEqual(["/v1/chat/completions"]);
  // Neither the request body nor the provider's headers (config.headers) went to 127.0.0.1.
  expect(upstream.requests.length).toBe(before);
});

it("says the provider redirected, without quoting what the redirect answered", async () => {
  const response = await ask("redirecting");
  const body = (await response.json()) as { error: { message: string } };
  expect(body.error.message).toContain("answered 307");
  expect(body.error.message).toContain("redirects are not followed");
  expect(body.error.message).not.toContain(REDIRECT_BODY);
});
