/**
 * The conformance suites' Switchyard: a real gateway served over HTTP on 127.0.0.1 (SDKs speak
 * HTTP, not `app.fetch`), one org and key, and one fake upstream per adapter, each registered as
 * a provider: `upstream` (OpenAI-compatible), `claude` (Anthropic), `azure` (Azure OpenAI),
 * `gemini` and `bedrock`. Each suite calls every target (./targets.ts) through each client.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic-server.ts";
import { type FakeAzure, startFakeAzureOpenAI } from "../fakes/azure-openai-server.ts";
import { FAKE_AWS, type FakeBedrock, startFakeBedrock } from "../fakes/bedrock-server.ts";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini-server.ts";
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
  /** A fake Azure OpenAI resource, registered as provider `azure` (gpt-4o → gpt-4o-prod). */
  azure: FakeAzure;
  /** A fake Generative Language API, registered as provider `gemini`. */
  gemini: FakeGemini;
  /** A fake Bedrock Runtime checking SigV4, registered as provider `bedrock`. */
  bedrock: FakeBedrock;
  /** e.g. http://127.0.0.1:41234 (Anthropic's SDK appends /v1/messages itself). */
  origin: string;
  secret: string;
  close(): Promise<void>;
}

const GEMINI_KEY = "AIzaSy-conformance-key-0123456789";

export async function startConformanceGateway(): Promise<ConformanceGateway> {
  const [gateway, upstream, anthropic, azure, gemini, bedrock] = await Promise.all([
    startTestGateway(),
    startFakeOpenAI(),
    startFakeAnthropic(),
    startFakeAzureOpenAI(),
    startFakeGemini({ apiKey: GEMINI_KEY }),
    startFakeBedrock(),
  ]);
  const key = await createOrgWithKey(gateway);
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "upstream",
    baseUrl: upstream.baseUrl,
  });
  const providers = [
    {
      kind: "anthropic",
      name: "claude",
      baseUrl: anthropic.baseUrl,
      apiKey: "sk-ant-fake-0123456789",
    },
    {
      kind: "azure-openai",
      name: "azure",
      baseUrl: azure.baseUrl,
      apiKey: azure.apiKey,
      config: { deployments: { "gpt-4o": "gpt-4o-prod" } },
    },
    { kind: "gemini", name: "gemini", baseUrl: gemini.baseUrl, apiKey: GEMINI_KEY },
    {
      kind: "bedrock",
      name: "bedrock",
      baseUrl: bedrock.baseUrl,
      apiKey: FAKE_AWS.secretAccessKey,
      config: { accessKeyId: FAKE_AWS.accessKeyId, region: FAKE_AWS.region },
    },
  ];
  for (const input of providers) {
    await gateway.admin(
      `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
      { input: { orgId: key.orgId, ...input } },
    );
  }
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
    azure,
    gemini,
    bedrock,
    origin: `http://127.0.0.1:${port}`,
    secret: key.secret,
    async close() {
      await new Promise((resolve) => server?.close(resolve));
      await Promise.all([
        upstream.close(),
        anthropic.close(),
        azure.close(),
        gemini.close(),
        bedrock.close(),
      ]);
      await gateway.close();
    },
  };
}
