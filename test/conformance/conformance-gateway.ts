/**
 * The conformance suites' Switchyard: a real gateway served over HTTP on 127.0.0.1 (SDKs speak
 * HTTP, not `app.fetch`), one org and key, and an OpenAI-compatible fake upstream registered as
 * provider `upstream`. Each suite calls every target through each client.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic-server.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";

export interface ConformanceGateway {
  gateway: TestGateway;
  upstream: FakeOpenAI;
  /** A fake Anthropic Messages API, registered as provider `claude`. */
  anthropic: FakeAnthropic;
  /** e.g. http://127.0.0.1:41234 (Anthropic's SDK appends /v1/messages itself). */
  origin: string;
  secret: string;
  close(): Promise<void>;
}

export async function startConformanceGateway(): Promise<ConformanceGateway> {
  const [gateway, upstream, anthropic] = await Promise.all([
    startTestGateway(),
    startFakeOpenAI(),
    startFakeAnthropic(),
  ]);
  const key = await createOrgWithKey(gateway);
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "upstream",
    baseUrl: upstream.baseUrl,
  });
  await gateway.admin(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        orgId: key.orgId,
        kind: "anthropic",
        name: "claude",
        baseUrl: anthropic.baseUrl,
        apiKey: "sk-ant-fake-0123456789",
      },
    },
  );
  let server: ReturnType<typeof serve> | undefined;
  const port = await new Promise<number>((resolve) => {
    server = serve(
      { fetch: gateway.app.fetch, port: 0, hostname: "127.0.0.1" },
      (info: AddressInfo) => resolve(info.port),
    );
  });
  return {
    gateway,
    upstream,
    anthropic,
    origin: `http://127.0.0.1:${port}`,
    secret: key.secret,
    async close() {
      await new Promise((resolve) => server?.close(resolve));
      await upstream.close();
      await anthropic.close();
      await gateway.close();
    },
  };
}

/**
 * The targets every client calls. `prepare` scripts what the target answers to a plain prompt
 * and returns the text the client must receive; `prepareToolCall` scripts a tool call (mock/echo
 * never calls tools, so it has none).
 */
export interface Target {
  name: string;
  model: string;
  prepare(conformance: ConformanceGateway, prompt: string, stream: boolean): string;
  prepareToolRoundTrip?(conformance: ConformanceGateway, stream: boolean): void;
}

export const TARGETS: Target[] = [
  {
    name: "mock/echo",
    model: "mock/echo",
    prepare: (_conformance, prompt) => `Echo: ${prompt}`,
  },
  {
    name: "an OpenAI-compatible upstream",
    model: "upstream/gpt-4o-mini",
    prepare(conformance, _prompt, stream) {
      conformance.upstream.script({
        kind: stream ? "stream" : "complete",
        deltas: ["Bonjour", " from", " upstream"],
      });
      return "Bonjour from upstream";
    },
    prepareToolRoundTrip(conformance, stream) {
      const kind = stream ? "stream" : "complete";
      conformance.upstream.script(
        {
          kind,
          deltas: [],
          toolCalls: [{ id: "call_weather", name: "get_weather", arguments: '{"city":"Paris"}' }],
        },
        { kind, deltas: ["It is", " 18°C in Paris."] },
      );
    },
  },
];

export const WEATHER_ANSWER = "It is 18°C in Paris.";

/** What the upstream got as the tool result in the second call of a round trip. */
export function toolResultSent(conformance: ConformanceGateway): unknown {
  const body = conformance.upstream.requests.at(-1)?.body as { messages?: unknown[] } | undefined;
  return body?.messages?.find((message) => (message as { role?: string }).role === "tool");
}
