/**
 * Server-side request forgery guard for provider base URLs (DESIGN.md, createProvider). In
 * production a base URL may not point at loopback, private, link-local or unspecified addresses,
 * neither literally nor through DNS, unless SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS=true.
 */
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

  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".internal")) {
    return { ok: false, reason: "baseUrl points at a private address" };
  }
  const addresses = isIpLiteral(host) ? [host] : await (options.resolveHost?.(host) ?? []);
  for (const address of addresses) {
    if (isPrivateAddress(address)) {
      return { ok: false, reason: "baseUrl resolves to a private address" };
    }
  }
  return { ok: true, url };
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

/** RFC 1918, RFC 6598 (CGNAT), loopback, link-local, unspecified, and IPv6 ULA/link-local. */
export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  const octets = v4.split(".").map(Number);
  if (octets.length === 4 && octets.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)) {
    const [a = 0, b = 0] = octets;
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  const v6 = address.toLowerCase();
  return (
    v6 === "::1" ||
    v6 === "::" ||
    v6.startsWith("fc") ||
    v6.startsWith("fd") ||
    v6.startsWith("fe8") ||
    v6.startsWith("fe9") ||
    v6.startsWith("fea") ||
    v6.startsWith("feb")
  );
}
