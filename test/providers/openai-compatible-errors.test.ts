import { describe, expect, it } from "vitest";
import { providerErrorFromFailure, retryAfterMs } from "../../functions/providers/errors.ts";
import { MAX_QUOTED_CHARS } from "../../functions/providers/http.ts";
import {
  errorFromResponse,
  errorFromStreamEvent,
} from "../../functions/providers/openai-compatible/errors.ts";
import { target } from "./helpers.ts";

function openAIError(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers = {},
) {
  const body = JSON.stringify({
    error: { message, type: "invalid_request_error", param: null, code: null, ...extra },
  });
  return new Response(body, {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

describe("upstream error answers", () => {
  it.each([408, 409, 429, 500, 502, 503, 504])("treats %i as retryable", async (status) => {
    const error = await errorFromResponse(openAIError(status, "try again"), target());
    expect(error).toMatchObject({ kind: "upstream_http", status, retryable: true });
  });

  it.each([400, 401, 403, 404, 422])("treats %i as final", async (status) => {
    const error = await errorFromResponse(openAIError(status, "no"), target());
    expect(error).toMatchObject({ kind: "upstream_http", status, retryable: false });
  });

  it("carries the upstream's message, type and code", async () => {
    const response = openAIError(404, "The model `gpt-5x` does not exist", {
      code: "model_not_found",
    });
    const error = await errorFromResponse(response, target({ name: "openai-prod" }));
    expect(error.message).toBe(
      "Provider 'openai-prod' answered 404: The model `gpt-5x` does not exist",
    );
    expect(error.type).toBe("invalid_request_error");
    expect(error.code).toBe("model_not_found");
  });

  it("never repeats the API key an upstream echoes back", async () => {
    const key = "sk-live-abcdefghijklmnop";
    const response = openAIError(401, `Incorrect API key provided: ${key}.`);
    const error = await errorFromResponse(response, target({ apiKey: key }));
    expect(error.message).not.toContain(key);
    expect(error.message).toContain("[redacted]");
  });

  it("reads the Retry-After of a rate limit", async () => {
    const error = await errorFromResponse(
      openAIError(429, "slow down", {}, { "retry-after": "7" }),
      target(),
    );
    expect(error.retryAfterMs).toBe(7000);
  });

  it("understands an error given as a plain string", async () => {
    const response = new Response(JSON.stringify({ error: "model not loaded" }), { status: 503 });
    expect((await errorFromResponse(response, target({ name: "vllm" }))).message).toBe(
      "Provider 'vllm' answered 503: model not loaded",
    );
  });

  it("quotes a non-JSON error page briefly", async () => {
    const response = new Response(`<html>${"Bad gateway ".repeat(100)}</html>`, { status: 502 });
    const error = await errorFromResponse(response, target());
    expect(error.message.length).toBeLessThanOrEqual(PREFIX.length + MAX_QUOTED_CHARS);
    expect(error.retryable).toBe(true);
  });
});

/** What errorFromResponse puts before the quote, for target() answering 400. */
const PREFIX = "Provider 'openai-test' answered 400: ";

describe("what an upstream's error may put in front of the client", () => {
  it("quotes at most a few hundred characters of the upstream's own message", async () => {
    const error = await errorFromResponse(openAIError(400, "x".repeat(10_000)), target());
    expect(error.message.length).toBeLessThanOrEqual(PREFIX.length + MAX_QUOTED_CHARS);
    expect(error.message).toMatch(/^Provider 'openai-test' answered 400: x+\.\.\.$/);
  });

  it("quotes at most a few hundred characters of an error sent mid-stream", () => {
    const error = errorFromStreamEvent({ error: { message: "y".repeat(10_000) } }, target());
    expect(error?.message.length).toBeLessThan(100 + MAX_QUOTED_CHARS);
  });

  it("bounds the type, code and param it passes on", async () => {
    const long = "p".repeat(5_000);
    const error = await errorFromResponse(
      openAIError(400, "bad", { type: long, code: long, param: long }),
      target(),
    );
    for (const field of [error.type, error.code, error.param]) {
      expect(field?.length).toBeLessThanOrEqual(100);
    }
  });

  it("leaves no part of the API key behind where the quote is cut", async () => {
    const key = "sk-live-abcdefghijklmnop";
    const message = `${"x".repeat(MAX_QUOTED_CHARS - 10)} ${key}`;
    const error = await errorFromResponse(openAIError(401, message), target({ apiKey: key }));
    expect(error.message).not.toContain(key.slice(0, 6));
  });

  it("never repeats a configured header value an upstream echoes back", async () => {
    const credential = "gateway-credential-0123456789";
    const response = openAIError(403, `Header x-gateway-auth=${credential} is not allowed`);
    const error = await errorFromResponse(
      response,
      target({ config: { headers: { "x-gateway-auth": credential } } }),
    );
    expect(error.message).not.toContain(credential);
    expect(error.message).toContain("[redacted]");
  });

  it("never repeats a secret in an error sent mid-stream", () => {
    const key = "sk-live-abcdefghijklmnop";
    const error = errorFromStreamEvent(
      { error: { message: `key ${key} revoked` } },
      target({ apiKey: key }),
    );
    expect(error?.message).not.toContain(key);
  });
});

describe("failed calls", () => {
  it("reports a timed-out signal as a retryable timeout", () => {
    const controller = new AbortController();
    controller.abort(new DOMException("slow", "TimeoutError"));
    const error = providerErrorFromFailure(controller.signal.reason, controller.signal, "p");
    expect(error).toMatchObject({ kind: "timeout", status: 504, retryable: true });
  });

  it("reports a caller's abort as aborted, not retryable", () => {
    const controller = new AbortController();
    controller.abort();
    const error = providerErrorFromFailure(controller.signal.reason, controller.signal, "p");
    expect(error).toMatchObject({ kind: "aborted", retryable: false });
  });

  it("reports a refused connection as a retryable network error", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    const error = providerErrorFromFailure(
      new TypeError("fetch failed", { cause }),
      new AbortController().signal,
      "local",
    );
    expect(error).toMatchObject({ kind: "network", status: 502, retryable: true });
    expect(error.message).toBe("The connection to provider 'local' failed: ECONNREFUSED.");
  });

  it("reads retry-after-ms before retry-after", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
  });

  it("reads a Retry-After given as a date", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 01 Jan 2025 00:00:30 GMT" }), now)).toBe(
      30_000,
    );
  });
});
