/**
 * The request/response shapes a custom @upstash/redis Requester speaks, shared by the TCP and
 * embedded transports. The client sends one command as an array of arguments on path [] and
 * several as an array of arrays on ["pipeline"] or ["multi-exec"]; it reads back
 * { result } / { error } per command, an array of them for the two batch paths
 * (see @upstash/redis pkg/http.ts and pkg/pipeline.ts, or https://upstash.com/docs/redis/features/restapi).
 */
import type { UpstashRequest, UpstashResponse } from "@upstash/redis";

export type WireCommand = readonly string[];

export type ParsedRequest =
  | { readonly kind: "single"; readonly command: WireCommand }
  | { readonly kind: "pipeline" | "multi-exec"; readonly commands: readonly WireCommand[] };

/** What a reply looks like once it is JSON, as Upstash returns it. */
export type WireValue = string | number | null | readonly WireValue[];

export type WireResponse = { result: WireValue } | { error: string };

/**
 * The client serializes arguments itself (objects to JSON) and leaves strings, numbers and
 * booleans to the HTTP body; Redis takes only strings, so the rest are stringified here the
 * way JSON would carry them.
 */
export function toWireArgument(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? "";
}

function toCommand(value: unknown): WireCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError("Redis requester: a command must be a non-empty array");
  }
  return value.map(toWireArgument);
}

export function parseRequest(request: UpstashRequest): ParsedRequest {
  const path = request.path ?? [];
  if (path.length === 0) return { kind: "single", command: toCommand(request.body) };
  const [kind] = path;
  if (path.length === 1 && (kind === "pipeline" || kind === "multi-exec")) {
    if (!Array.isArray(request.body))
      throw new TypeError(`Redis requester: ${kind} needs an array`);
    return { kind, commands: request.body.map(toCommand) };
  }
  // Streaming paths (subscribe, psubscribe) need Upstash's server; this transport has none.
  throw new TypeError(
    `Redis requester: path /${path.join("/")} is not supported by this transport`,
  );
}

/**
 * The Requester interface declares one response per call, but the client reads an array of
 * them on the batch paths; this is the one place that bridges the declared type.
 */
export function toUpstashResponse<TResult>(
  response: WireResponse | readonly WireResponse[],
): UpstashResponse<TResult> {
  return response as unknown as UpstashResponse<TResult>;
}
