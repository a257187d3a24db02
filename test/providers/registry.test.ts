import { describe, expect, it } from "vitest";
import { loadConfig } from "../../functions/config.ts";
import {
  adapterFor,
  defaultBaseUrl,
  descriptorOf,
  implementedKinds,
  isProviderKindSupported,
  PROVIDER_KINDS,
  providerDescriptors,
  requiresBaseUrl,
} from "../../functions/providers/index.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "../../functions/providers/openai-compatible/presets.ts";
import { BUILT_IN_PROVIDERS } from "../../functions/routing/built-in-providers.ts";
import { environmentProviders } from "../../functions/routing/environment-providers.ts";
import { callOptions, chatRequest, target } from "./helpers.ts";

describe("the provider registry", () => {
  it("knows every provider kind of the design", () => {
    expect([...PROVIDER_KINDS].sort()).toEqual(
      [
        "openai",
        "azure-openai",
        "anthropic",
        "gemini",
        "bedrock",
        "mistral",
        "groq",
        "together",
        "fireworks",
        "deepseek",
        "xai",
        "openrouter",
        "ollama",
        "openai-compatible",
        "mock",
      ].sort(),
    );
  });

  it("makes every OpenAI-compatible preset a provider served by the one compatible adapter", () => {
    for (const kind of Object.keys(OPENAI_COMPATIBLE_PRESETS)) {
      expect(descriptorOf(kind)?.protocol).toBe("openai-chat");
      expect(adapterFor(kind)?.kind).toBe("openai-compatible");
    }
  });

  it("serves the mock kind with the mock adapter", () => {
    expect(adapterFor("mock")?.kind).toBe("mock");
  });

  it("serves every kind it declares", () => {
    // Every descriptor now has an adapter; a kind declared without one would be listed but fail at call time.
    for (const { kind } of providerDescriptors()) {
      expect(PROVIDER_KINDS).toContain(kind);
      expect(adapterFor(kind)).toBeDefined();
      expect(isProviderKindSupported(kind)).toBe(true);
    }
  });

  it("serves nothing for an unknown kind", () => {
    expect(adapterFor("acme")).toBeUndefined();
    expect(isProviderKindSupported("acme")).toBe(false);
    expect(requiresBaseUrl("acme")).toBe(true);
  });

  it("lists only known kinds as implemented", () => {
    for (const kind of implementedKinds()) expect(PROVIDER_KINDS).toContain(kind);
    expect(implementedKinds()).toContain("groq");
  });

  it("gives presets their default base URL and the generic kind none", () => {
    expect(defaultBaseUrl("openai")).toBe("https://api.openai.com/v1");
    expect(defaultBaseUrl("ollama")).toBe("http://localhost:11434/v1");
    expect(defaultBaseUrl("openai-compatible")).toBeNull();
    expect(requiresBaseUrl("openai-compatible")).toBe(true);
    expect(requiresBaseUrl("openai")).toBe(false);
  });

  it("reads each provider's environment variable from its descriptor", () => {
    for (const descriptor of providerDescriptors()) {
      if (!descriptor.env) continue;
      const config = loadConfig({ [descriptor.env.apiKey]: "key-from-env" });
      expect(config.providerCredentials[descriptor.kind]?.apiKey).toBe("key-from-env");
    }
  });

  it("makes a global provider from an environment key, named after its kind", () => {
    const providers = environmentProviders(loadConfig({ GROQ_API_KEY: "gsk-1" }));
    expect(providers).toEqual([
      expect.objectContaining({ kind: "groq", name: "groq", apiKey: "gsk-1", baseUrl: null }),
    ]);
  });

  it("makes no global provider of a kind that needs a base URL from its key alone", () => {
    const providers = environmentProviders(loadConfig({ AZURE_OPENAI_API_KEY: "az-1" }));
    expect(providers).toEqual([]);
  });

  it("makes the built-in providers from the descriptors that declare one", () => {
    expect(BUILT_IN_PROVIDERS.map((provider) => provider.name)).toEqual(["mock"]);
    expect(BUILT_IN_PROVIDERS[0]?.config).toEqual({ models: ["echo", "embed"] });
  });
});

describe("capabilities", () => {
  it("refuses n > 1 to a provider that serves one choice, naming the parameter", async () => {
    const adapter = adapterFor("groq");
    const call = adapter?.chatCompletion(
      chatRequest({ n: 2 }),
      target({ kind: "groq", baseUrl: "http://127.0.0.1:9/v1" }),
      callOptions(),
    );
    await expect(call).rejects.toMatchObject({ status: 400, param: "n", retryable: false });
  });

  it("refuses an image to a provider that reads none, naming the content part", async () => {
    const request = chatRequest({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "https://example.test/cat.png" } },
          ],
        },
      ],
    });
    const call = adapterFor("deepseek")?.chatCompletion(
      request,
      target({ kind: "deepseek", baseUrl: "http://127.0.0.1:9/v1" }),
      callOptions(),
    );
    await expect(call).rejects.toMatchObject({ status: 400, param: "messages[0].content[1]" });
  });
});
