import { describe, expect, it } from "vitest";
import {
  adapterFor,
  defaultBaseUrl,
  implementedKinds,
  isProviderKindSupported,
  PROVIDER_KINDS,
} from "../../functions/providers/index.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "../../functions/providers/openai-compatible/presets.ts";

describe("the provider registry", () => {
  it("serves every OpenAI-compatible preset with the one compatible adapter", () => {
    for (const kind of Object.keys(OPENAI_COMPATIBLE_PRESETS)) {
      expect(adapterFor(kind)?.kind).toBe("openai-compatible");
    }
  });

  it("serves the mock kind with the mock adapter", () => {
    expect(adapterFor("mock")?.kind).toBe("mock");
  });

  it("knows kinds that have no adapter yet without serving them", () => {
    expect(PROVIDER_KINDS).toContain("anthropic");
    expect(adapterFor("anthropic")).toBeUndefined();
    expect(isProviderKindSupported("anthropic")).toBe(false);
  });

  it("serves nothing for an unknown kind", () => {
    expect(adapterFor("acme")).toBeUndefined();
    expect(isProviderKindSupported("acme")).toBe(false);
  });

  it("lists only known kinds as implemented", () => {
    for (const kind of implementedKinds()) expect(PROVIDER_KINDS).toContain(kind);
    expect(implementedKinds()).toContain("groq");
  });

  it("gives presets their default base URL and the generic kind none", () => {
    expect(defaultBaseUrl("openai")).toBe("https://api.openai.com/v1");
    expect(defaultBaseUrl("ollama")).toBe("http://localhost:11434/v1");
    expect(defaultBaseUrl("openai-compatible")).toBeNull();
  });
});
