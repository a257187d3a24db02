/**
 * AWS Signature Version 4 for a Bedrock Runtime request, with `aws4fetch`'s AwsV4Signer
 * (WebCrypto, so the same code signs on Node, Bun, Deno and Vercel's edge). The signer only
 * computes headers; the request is still sent by sendUpstream through the guarded fetch, with
 * exactly the bytes that were signed.
 */
import { AwsV4Signer } from "aws4fetch";
import { type UpstreamRequest, upstreamUrl } from "../http.ts";
import type { AwsCredentials } from "./credentials.ts";

/** The signing name of Bedrock Runtime (its endpoints are `bedrock-runtime.*`, its scope `bedrock`). */
export const SIGNING_SERVICE = "bedrock";

export async function signRequest(
  request: UpstreamRequest,
  credentials: AwsCredentials,
  region: string,
  now: Date,
): Promise<UpstreamRequest> {
  const signer = new AwsV4Signer({
    method: request.method,
    url: upstreamUrl(request),
    headers: request.headers,
    body: request.body,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    service: SIGNING_SERVICE,
    region,
    datetime: amzDate(now),
  });
  const signed = await signer.sign();
  const headers: Record<string, string> = {};
  signed.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { ...request, headers };
}

/** ISO 8601 basic format, as X-Amz-Date takes it: 20240620T123456Z. */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[:-]|\.\d{3}/g, "");
}
