/** Which provider failures move a call on to the next deployment (a route's fallbackOn). */
import { describe, expect, it } from "vitest";
import { isRetryableStatus, ProviderError } from "../../functions/providers/errors.ts";
import {
  DEFAULT_FALLBACK_ON,
  FAILURE_CLASSES,
  failureClassOf,
  isContextWindowError,
  shouldFallBack,
} from "../../functions/routing/fallback.ts";

function upstream(status: number): ProviderError {
  return new ProviderError({
    kind: "upstream_http",
    message: `upstream ${status}`,
    status,
    retryable: isRetryableStatus(status),
  });
}

const timeout = new ProviderError({ kind: "timeout", message: "t", status: 504, retryable: true });
const refused = new ProviderError({ kind: "network", message: "n", status: 502, retryable: true });

describe("failure classes", () => {
  it("names connection errors, timeouts, 429 and 5xx", () => {
    expect(failureClassOf(refused)).toBe("connection");
    expect(failureClassOf(timeout)).toBe("timeout");
    expect(failureClassOf(upstream(408))).toBe("timeout");
    expect(failureClassOf(upstream(429))).toBe("429");
    expect(failureClassOf(upstream(503))).toBe("5xx");
    expect(failureClassOf(upstream(400))).toBeNull();
  });
});

describe("shouldFallBack", () => {
  it("by default falls back on connection errors, timeouts, 429 and 5xx", () => {
    for (const error of [refused, timeout, upstream(429), upstream(500), upstream(503)]) {
      expect(shouldFallBack(error, DEFAULT_FALLBACK_ON)).toBe(true);
    }
  });

  it("never falls back on the provider's 400, 401 or 403, whatever the route says", () => {
    for (const status of [400, 401, 403]) {
      expect(shouldFallBack(upstream(status), DEFAULT_FALLBACK_ON)).toBe(false);
    }
  });

  it("does not fall back on a class the route left out", () => {
    expect(shouldFallBack(upstream(503), ["429", "timeout"])).toBe(false);
    expect(shouldFallBack(upstream(429), ["429", "timeout"])).toBe(true);
    expect(shouldFallBack(refused, [])).toBe(false);
  });

  it("keeps the behaviour from before routes: default equals the error's retryable flag", () => {
    for (const status of [400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504]) {
      const error = upstream(status);
      expect(shouldFallBack(error, DEFAULT_FALLBACK_ON)).toBe(error.retryable);
    }
  });
});

describe("context-window refusals", () => {
  const refusal = (init: { message: string; code?: string; status?: number }) =>
    new ProviderError({
      kind: "upstream_http",
      status: init.status ?? 400,
      retryable: false,
      message: init.message,
      code: init.code ?? null,
    });
  const openAI = refusal({
    message: "This model's maximum context length is 8192 tokens.",
    code: "context_length_exceeded",
  });
  const anthropic = refusal({ message: "prompt is too long: 210000 tokens > 200000 maximum" });

  it("recognises OpenAI's code and Anthropic's wording, and not other 400s", () => {
    expect(isContextWindowError(openAI)).toBe(true);
    expect(isContextWindowError(anthropic)).toBe(true);
    expect(isContextWindowError(refusal({ message: "Invalid value for 'temperature'" }))).toBe(
      false,
    );
    expect(isContextWindowError(refusal({ message: "context length", status: 401 }))).toBe(false);
  });

  it("falls back only on a route that opted in", () => {
    expect(failureClassOf(openAI)).toBe("context_window");
    expect(shouldFallBack(openAI, DEFAULT_FALLBACK_ON)).toBe(false);
    expect(shouldFallBack(anthropic, FAILURE_CLASSES)).toBe(true);
    expect(shouldFallBack(anthropic, ["context_window"])).toBe(true);
  });
});
