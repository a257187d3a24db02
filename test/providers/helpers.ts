/** Shared builders for provider tests: a target, call options, requests, fixture streams. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ChatCompletionRequest } from "../../functions/protocols/openai/chat.ts";
import type { CallOptions, ProviderTarget } from "../../functions/providers/types.ts";
import { testUpstreamFetch } from "../support/upstream-transport.ts";

export function target(overrides: Partial<ProviderTarget> = {}): ProviderTarget {
  return {
    kind: "openai",
    name: "openai-test",
    baseUrl: "https://api.example.test/v1",
    apiKey: "sk-test-secret-key-123456",
    config: {},
    model: "gpt-4o-mini",
    ...overrides,
  };
}

export function callOptions(overrides: Partial<CallOptions> = {}): CallOptions {
  return {
    signal: new AbortController().signal,
    fetch: testUpstreamFetch() ?? globalThis.fetch,
    requestId: "req_test",
    ...overrides,
  };
}

export function chatRequest(overrides: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest {
  return {
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "What is the capital of France?" },
    ],
    ...overrides,
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A recorded fixture (one JSON chunk per line) as the SSE body the upstream sent. */
export function fixtureSse(name: string): string {
  const path = fileURLToPath(
    new URL(`../../functions/providers/__fixtures__/${name}.chunks.txt`, import.meta.url),
  );
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
  return `${lines.map((line) => `data: ${line}\n\n`).join("")}data: [DONE]\n\n`;
}
