import { lookup } from "node:dns/promises";
import type { ResolveHost } from "./upstream-url.ts";

/** DNS through the platform resolver (node:dns works on Node, Bun, Deno and Vercel). */
export const resolveHostWithDns: ResolveHost = async (hostname) => {
  try {
    const results = await lookup(hostname, { all: true, verbatim: true });
    return results.map((result) => result.address);
  } catch {
    // An unresolvable host is not private; the call will fail later with a clear upstream error.
    return [];
  }
};
