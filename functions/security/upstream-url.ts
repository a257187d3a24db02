/**
 * Server-side request forgery guard for provider base URLs (DESIGN.md, createProvider). In
 * production a base URL may not point at an address that is not public unicast (loopback,
 * private, link-local, metadata, reserved, multicast, ...: see address-ranges.ts), neither
 * literally nor through DNS, unless SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS=true.
 */
import ipaddr from "ipaddr.js";
import { nonPublicRange } from "./address-ranges.ts";

export { isPrivateAddress } from "./address-ranges.ts";

export type UpstreamUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export type ResolveHost = (hostname: string) => Promise<string[]>;

export async function checkUpstreamUrl(
  raw: string,
  options: { allowPrivate: boolean; resolveHost?: ResolveHost },
): Promise<UpstreamUrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "baseUrl is not a valid URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, reason: "baseUrl must be http(s)" };
  }
  if (url.username || url.password) {
    return { ok: false, reason: "baseUrl must not carry credentials; use apiKey" };
  }
  if (options.allowPrivate) return { ok: true, url };

  // A trailing dot is the same name, fully qualified: `localhost.` is `localhost`.
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".internal")) {
    return { ok: false, reason: "baseUrl points at a private address" };
  }
  if (isIpLiteral(host)) {
    const range = nonPublicRange(host);
    if (range) return { ok: false, reason: `baseUrl points at a private address (${range})` };
    return { ok: true, url };
  }
  for (const address of await (options.resolveHost?.(host) ?? [])) {
    const range = nonPublicRange(address);
    if (range) return { ok: false, reason: `baseUrl resolves to a private address (${range})` };
  }
  return { ok: true, url };
}

/** After URL parsing an IPv4 literal is always four decimal parts, whatever form it was written in. */
function isIpLiteral(host: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.IPv6.isValid(host);
}
