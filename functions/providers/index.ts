/**
 * Provider kind → adapter. The one list of provider kinds the gateway knows (DESIGN.md, "Admin
 * contract"); a kind without an adapter yet is known (createProvider accepts it) but cannot be
 * called. A new provider is one folder exporting a ProviderAdapter and one line in ADAPTERS.
 */
import { mockAdapter } from "./mock/adapter.ts";
import { openAICompatibleAdapter } from "./openai-compatible/adapter.ts";
import { OPENAI_COMPATIBLE_PRESETS } from "./openai-compatible/presets.ts";
import type { ProviderAdapter } from "./types.ts";

export const PROVIDER_KINDS = [
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
] as const;

export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const ADAPTERS: Partial<Record<ProviderKind, ProviderAdapter>> = {
  mock: mockAdapter,
  openai: openAICompatibleAdapter,
  groq: openAICompatibleAdapter,
  together: openAICompatibleAdapter,
  fireworks: openAICompatibleAdapter,
  deepseek: openAICompatibleAdapter,
  xai: openAICompatibleAdapter,
  openrouter: openAICompatibleAdapter,
  mistral: openAICompatibleAdapter,
  ollama: openAICompatibleAdapter,
  "openai-compatible": openAICompatibleAdapter,
};

export function isProviderKind(kind: string): kind is ProviderKind {
  return (PROVIDER_KINDS as readonly string[]).includes(kind);
}

/** The adapter that serves `kind`, or undefined for an unknown or not yet implemented kind. */
export function adapterFor(kind: string): ProviderAdapter | undefined {
  return isProviderKind(kind) ? ADAPTERS[kind] : undefined;
}

/** Whether `kind` can be called today (known and has an adapter). */
export function isProviderKindSupported(kind: string): boolean {
  return adapterFor(kind) !== undefined;
}

/** Kinds that can be called today. */
export function implementedKinds(): ProviderKind[] {
  return PROVIDER_KINDS.filter((kind) => ADAPTERS[kind] !== undefined);
}

/**
 * The base URL a provider of `kind` uses when its record sets none; null when the record must set
 * one (openai-compatible) or the kind needs no URL (mock).
 */
export function defaultBaseUrl(kind: string): string | null {
  return OPENAI_COMPATIBLE_PRESETS[kind]?.defaultBaseUrl ?? null;
}

/** Whether a provider record of `kind` must carry its own base URL to be callable. */
export function requiresBaseUrl(kind: string): boolean {
  return kind === "openai-compatible" || kind === "azure-openai";
}

export { ProviderError, type ProviderErrorKind } from "./errors.ts";
export { MOCK_MODELS } from "./mock/adapter.ts";
export type {
  CallOptions,
  ChatOutcome,
  ProviderAdapter,
  ProviderTarget,
  Usage,
} from "./types.ts";
