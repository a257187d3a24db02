/**
 * The provider registry: every provider kind the gateway knows, from the one descriptor each
 * provider folder exports. Adding a provider is a folder with a descriptor and one line in
 * DESCRIPTORS; the gateway, config, routing and pricing read providers only through here.
 */
import { anthropicDescriptor } from "./anthropic/descriptor.ts";
import { azureOpenAIDescriptor } from "./azure-openai/descriptor.ts";
import { bedrockDescriptor } from "./bedrock/descriptor.ts";
import { withCapabilityCheck } from "./capabilities.ts";
import type { ProviderDescriptor } from "./descriptor.ts";
import { geminiDescriptor } from "./gemini/descriptor.ts";
import { mockDescriptor } from "./mock/descriptor.ts";
import { openAICompatibleDescriptors } from "./openai-compatible/descriptor.ts";
import type { ProviderAdapter } from "./types.ts";

const DESCRIPTORS: readonly ProviderDescriptor[] = [
  ...openAICompatibleDescriptors,
  azureOpenAIDescriptor,
  anthropicDescriptor,
  geminiDescriptor,
  bedrockDescriptor,
  mockDescriptor,
];

const BY_KIND: ReadonlyMap<string, ProviderDescriptor> = new Map(
  DESCRIPTORS.map((descriptor) => [descriptor.kind, descriptor]),
);
if (BY_KIND.size !== DESCRIPTORS.length) throw new Error("two provider descriptors share a kind");

/** Each kind's adapter behind its capability check, built once. */
const ADAPTERS: ReadonlyMap<string, ProviderAdapter> = new Map(
  DESCRIPTORS.flatMap((descriptor) =>
    descriptor.adapter
      ? [[descriptor.kind, withCapabilityCheck(descriptor.adapter, descriptor.capabilities)]]
      : [],
  ),
);

/** Every provider kind the gateway knows (DESIGN.md, "Admin contract"), in table order. */
export const PROVIDER_KINDS: readonly string[] = DESCRIPTORS.map((descriptor) => descriptor.kind);

export function providerDescriptors(): readonly ProviderDescriptor[] {
  return DESCRIPTORS;
}

export function descriptorOf(kind: string): ProviderDescriptor | undefined {
  return BY_KIND.get(kind);
}

export function isProviderKind(kind: string): boolean {
  return BY_KIND.has(kind);
}

/** The adapter that serves `kind`, or undefined for an unknown or not yet implemented kind. */
export function adapterFor(kind: string): ProviderAdapter | undefined {
  return ADAPTERS.get(kind);
}

/** Whether `kind` can be called today (known and has an adapter). */
export function isProviderKindSupported(kind: string): boolean {
  return ADAPTERS.has(kind);
}

/** Kinds that can be called today. */
export function implementedKinds(): string[] {
  return PROVIDER_KINDS.filter((kind) => ADAPTERS.has(kind));
}

/**
 * The base URL a provider of `kind` uses when its record sets none; null when the record must set
 * one (openai-compatible, azure-openai) or the kind needs no URL (mock).
 */
export function defaultBaseUrl(kind: string): string | null {
  return BY_KIND.get(kind)?.defaultBaseUrl ?? null;
}

/** Whether a provider record of `kind` must carry its own base URL to be callable. */
export function requiresBaseUrl(kind: string): boolean {
  return BY_KIND.get(kind)?.requiresBaseUrl ?? true;
}

export type {
  BuiltInPrice,
  PricePointer,
  ProviderCapabilities,
  ProviderDescriptor,
  WireProtocol,
} from "./descriptor.ts";
export { ProviderError, type ProviderErrorKind } from "./errors.ts";
export { MOCK_MODELS } from "./mock/adapter.ts";
export type {
  CallOptions,
  ChatOutcome,
  ProviderAdapter,
  ProviderTarget,
  Usage,
} from "./types.ts";
