/**
 * The fetch every provider call goes through (Services.fetch). On every runtime: the pre-check of
 * guarded-fetch.ts (where the host resolves now) and no redirects. On Node in production, also
 * the connect-time check of node-connect-guard.ts, which closes DNS rebinding between the two.
 * Bun and Deno offer no hook into the address their fetch connects to; see the README's design
 * notes for what remains there.
 */
import type { LookupFunction } from "node:net";
import { runsOnNode } from "../../db/runs-on-node.ts";
import { guardUpstreamFetch } from "./guarded-fetch.ts";
import type { ResolveHost } from "./upstream-url.ts";

export interface UpstreamFetchOptions {
  allowPrivate: boolean;
  /** DNS for the pre-check. */
  resolveHost: ResolveHost;
  /** A transport of the caller's (tests, benchmarks): replaces the platform's, keeps the pre-check. */
  fetch?: typeof fetch;
  /** Node's connect-time DNS lookup; tests pass their own to change the answer after the check. */
  connectLookup?: LookupFunction;
}

export async function createUpstreamFetch(options: UpstreamFetchOptions): Promise<typeof fetch> {
  const transport = options.fetch ?? (await platformFetch(options));
  return guardUpstreamFetch(transport, {
    allowPrivate: options.allowPrivate,
    resolveHost: options.resolveHost,
  });
}

async function platformFetch(options: UpstreamFetchOptions): Promise<typeof fetch> {
  if (options.allowPrivate || !runsOnNode()) return globalThis.fetch.bind(globalThis);
  // Imported here, not at the top, so that Bun and Deno never load undici.
  const { createNodeUpstreamFetch } = await import("./node-connect-guard.ts");
  return createNodeUpstreamFetch({ lookup: options.connectLookup });
}
