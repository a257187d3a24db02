/**
 * AWS Bedrock through the Converse API
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html), signed
 * with SigV4. The record's apiKey is the secret access key; see credentials.ts for the rest.
 */
import type { ProviderDescriptor } from "../descriptor.ts";
import { bedrockAdapter } from "./adapter.ts";

export const bedrockDescriptor: ProviderDescriptor = {
  kind: "bedrock",
  displayName: "AWS Bedrock",
  protocol: "bedrock-converse",
  adapter: bedrockAdapter,
  // https://bedrock-runtime.<region>.amazonaws.com, from the record's region.
  defaultBaseUrl: null,
  requiresBaseUrl: false,
  authHeader: "SigV4 (Authorization)",
  // The variables the AWS SDKs read.
  env: {
    apiKey: "AWS_SECRET_ACCESS_KEY",
    config: {
      accessKeyId: "AWS_ACCESS_KEY_ID",
      sessionToken: "AWS_SESSION_TOKEN",
      region: "AWS_REGION",
    },
  },
  capabilities: {
    tools: true,
    vision: true,
    jsonSchema: false,
    multipleChoices: false,
    streamingUsage: true,
  },
  // genai-prices' `aws` provider matches base model ids and inference profiles (`us.`, `eu.`, ...).
  prices: { dataset: "aws" },
  // Hosts Claude with extended thinking, among slower models.
  defaultTimeoutMs: 300_000,
};
