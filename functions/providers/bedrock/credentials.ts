/**
 * Where a Bedrock provider record keeps what SigV4 needs. The secret access key is the record's
 * `apiKey` (encrypted at rest like every provider key); the access key id, an optional session
 * token and the region are `config` fields, which the environment fills from AWS_ACCESS_KEY_ID,
 * AWS_SESSION_TOKEN and AWS_REGION (descriptor.ts). The endpoint is the region's Bedrock Runtime
 * host unless the record sets a base URL (a VPC endpoint, or a fake in tests), in which case the
 * region comes from config or from a `bedrock-runtime.<region>.amazonaws.com` host name.
 */
import { z } from "zod";
import { ProviderError } from "../errors.ts";
import { trimBaseUrl } from "../http.ts";
import type { ProviderTarget } from "../types.ts";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | null;
}

export interface BedrockEndpoint {
  credentials: AwsCredentials;
  region: string;
  baseUrl: string;
  headers: Record<string, string>;
}

/** AWS region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const configSchema = z.looseObject({
  accessKeyId: z.string().min(1).optional(),
  sessionToken: z.string().min(1).optional(),
  region: z.string().regex(REGION).optional(),
  /** Extra headers for every call; they are signed with the rest. */
  headers: z.record(z.string(), z.string()).optional(),
});

const RUNTIME_HOST = /^bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com$/;

export function bedrockEndpoint(target: ProviderTarget): BedrockEndpoint {
  const config = configSchema.safeParse(target.config);
  if (!config.success) {
    throw misconfigured(
      target,
      "has an invalid config: `accessKeyId` and `sessionToken` must be strings, `region` an AWS region name (us-east-1), `headers` map names to strings",
    );
  }
  const { accessKeyId, sessionToken, headers } = config.data;
  if (!target.apiKey) {
    throw misconfigured(target, "has no secret access key (its apiKey, or AWS_SECRET_ACCESS_KEY)");
  }
  if (!accessKeyId) {
    throw misconfigured(target, "has no `config.accessKeyId` (or AWS_ACCESS_KEY_ID)");
  }
  const region = config.data.region ?? regionOfBaseUrl(target.baseUrl);
  if (!region) throw misconfigured(target, "has no `config.region` (or AWS_REGION)");
  return {
    credentials: {
      accessKeyId,
      secretAccessKey: target.apiKey,
      sessionToken: sessionToken ?? null,
    },
    region,
    baseUrl: trimBaseUrl(target.baseUrl ?? `https://bedrock-runtime.${region}.amazonaws.com`),
    headers: Object.fromEntries(
      Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    ),
  };
}

/** Every credential of the record, for removing from anything an upstream echoes back. */
export function secretsOf(target: ProviderTarget): string[] {
  const values = [target.apiKey, target.config.accessKeyId, target.config.sessionToken];
  const headers: unknown = target.config.headers;
  if (typeof headers === "object" && headers !== null) values.push(...Object.values(headers));
  return values.filter((value): value is string => typeof value === "string");
}

function regionOfBaseUrl(baseUrl: string | null): string | null {
  if (baseUrl === null) return null;
  try {
    return RUNTIME_HOST.exec(new URL(baseUrl).hostname)?.[1] ?? null;
  } catch {
    return null;
  }
}

export function misconfigured(target: ProviderTarget, problem: string): ProviderError {
  return new ProviderError({
    kind: "misconfigured",
    message: `Provider '${target.name}' (${target.kind}) ${problem}.`,
    status: 500,
    retryable: false,
  });
}
