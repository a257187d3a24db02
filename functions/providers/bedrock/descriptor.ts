/** AWS Bedrock (Converse). Known to the gateway; no adapter yet, so not callable. */
import type { ProviderDescriptor } from "../descriptor.ts";

export const bedrockDescriptor: ProviderDescriptor = {
  kind: "bedrock",
  displayName: "AWS Bedrock",
  protocol: "bedrock-converse",
  adapter: null,
  defaultBaseUrl: null,
  requiresBaseUrl: false,
  authHeader: "SigV4 (Authorization)",
  env: null,
  capabilities: {
    tools: true,
    vision: true,
    jsonSchema: false,
    multipleChoices: false,
    streamingUsage: true,
  },
  prices: { dataset: "aws" },
  // Hosts Claude with extended thinking, among slower models.
  defaultTimeoutMs: 300_000,
};
