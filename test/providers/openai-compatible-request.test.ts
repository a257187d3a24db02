import { describe, expect, it } from "vitest";
import { ProviderError } from "../../functions/providers/errors.ts";
import { upstreamUrl } from "../../functions/providers/http.ts";
import { presetFor } from "../../functions/providers/openai-compatible/presets.ts";
import { buildChatRequest } from "../../functions/providers/openai-compatible/request.ts";
import { chatRequest, target } from "./helpers.ts";

function bodyOf(request: ReturnType<typeof buildChatRequest>): Record<string, unknown> {
  if (typeof request.body !== "string") throw new Error("expected a JSON text body");
  return JSON.parse(request.body) as Record<string, unknown>;
}

describe("building the upstream request", () => {
  it("posts to <baseUrl>/chat/completions", () => {
    const built = buildChatRequest(
      chatRequest(),
      target({ baseUrl: "https://x.test/v1/" }),
      presetFor("openai"),
    );
    expect(upstreamUrl(built)).toBe("https://x.test/v1/chat/completions");
    expect(built.method).toBe("POST");
  });

  it("uses the preset's base URL when the provider sets none", () => {
    const built = buildChatRequest(
      chatRequest(),
      target({ kind: "groq", baseUrl: null }),
      presetFor("groq"),
    );
    expect(upstreamUrl(built)).toBe("https://api.groq.com/openai/v1/chat/completions");
  });

  it("refuses a generic openai-compatible provider without a base URL", () => {
    const build = () =>
      buildChatRequest(
        chatRequest(),
        target({ kind: "openai-compatible", baseUrl: null }),
        presetFor("openai-compatible"),
      );
    expect(build).toThrow(ProviderError);
    expect(build).toThrow(/no base URL/);
  });

  it("authenticates with the provider's key as a bearer token", () => {
    const built = buildChatRequest(chatRequest(), target(), presetFor("openai"));
    expect(built.headers.authorization).toBe("Bearer sk-test-secret-key-123456");
    expect(built.headers["content-type"]).toBe("application/json");
  });

  it("sends no authorization header when the provider has no key", () => {
    const built = buildChatRequest(chatRequest(), target({ apiKey: null }), presetFor("ollama"));
    expect(built.headers.authorization).toBeUndefined();
  });

  it("adds the extra headers from the provider config", () => {
    const config = { headers: { "HTTP-Referer": "https://app.test", "X-Title": "App" } };
    const built = buildChatRequest(chatRequest(), target({ config }), presetFor("openrouter"));
    expect(built.headers["http-referer"]).toBe("https://app.test");
    expect(built.headers["x-title"]).toBe("App");
  });

  it("replaces the model with the deployment's model", () => {
    const built = buildChatRequest(
      chatRequest({ model: "fast" }),
      target({ model: "gpt-4.1-nano" }),
      presetFor("openai"),
    );
    expect(bodyOf(built).model).toBe("gpt-4.1-nano");
  });

  it("always asks a streaming upstream to report usage", () => {
    const built = buildChatRequest(chatRequest({ stream: true }), target(), presetFor("openai"));
    expect(bodyOf(built).stream_options).toEqual({ include_usage: true });
    expect(built.headers.accept).toBe("text/event-stream");
  });

  it("keeps the client's other stream options", () => {
    const request = chatRequest({
      stream: true,
      stream_options: { include_usage: false, include_obfuscation: false },
    });
    const body = bodyOf(buildChatRequest(request, target(), presetFor("openai")));
    expect(body.stream_options).toEqual({ include_usage: true, include_obfuscation: false });
  });

  it("drops stream options from a non-streaming call", () => {
    const request = chatRequest({ stream: false, stream_options: { include_usage: true } });
    const body = bodyOf(buildChatRequest(request, target(), presetFor("openai")));
    expect(body).not.toHaveProperty("stream_options");
    expect(body).not.toHaveProperty("stream");
  });

  it("removes null parameters and passes the rest through untouched", () => {
    const request = chatRequest({
      temperature: null,
      seed: 7,
      prediction: { type: "content", content: "x" },
    });
    const body = bodyOf(buildChatRequest(request, target(), presetFor("openai")));
    expect(body).not.toHaveProperty("temperature");
    expect(body.seed).toBe(7);
    expect(body.prediction).toEqual({ type: "content", content: "x" });
  });

  it("renames and drops parameters as the preset declares", () => {
    const request = chatRequest({ stream: true, seed: 7, max_completion_tokens: 50, user: "u1" });
    const body = bodyOf(
      buildChatRequest(request, target({ kind: "mistral" }), presetFor("mistral")),
    );
    expect(body.random_seed).toBe(7);
    expect(body.max_tokens).toBe(50);
    expect(body).not.toHaveProperty("seed");
    expect(body).not.toHaveProperty("max_completion_tokens");
    expect(body).not.toHaveProperty("user");
    expect(body).not.toHaveProperty("stream_options");
  });

  it("keeps an explicit max_tokens over a renamed max_completion_tokens", () => {
    const request = chatRequest({ max_tokens: 10, max_completion_tokens: 50 });
    const body = bodyOf(
      buildChatRequest(request, target({ kind: "deepseek" }), presetFor("deepseek")),
    );
    expect(body.max_tokens).toBe(10);
    expect(body).not.toHaveProperty("max_completion_tokens");
  });
});
