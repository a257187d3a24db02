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

  // A trailing dot is the same name, fully qualified: `localhost.` is `localhost`.
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
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

/**
 * RFC 1918, RFC 6598 (CGNAT), loopback, link-local, unspecified, IPv6 ULA/link-local, and IPv4
 * addresses embedded in IPv6 (RFC 4291 §2.5.5): the URL parser writes `[::ffff:127.0.0.1]` as
 * `[::ffff:7f00:1]`, and a dual-stack socket connects to it as 127.0.0.1.
 */
export function isPrivateAddress(address: string): boolean {
  if (isIpv4(address)) return isPrivateIpv4(address);
  const groups = ipv6Groups(address);
  if (!groups) return false;
  const [first = 0, , , , , sixth = 0, seventh = 0, eighth = 0] = groups;
  const embedsIpv4 = groups.slice(0, 5).every((group) => group === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; also covers :: and ::1).
  if (embedsIpv4 && (sixth === 0xffff || sixth === 0)) {
    return isPrivateIpv4(`${seventh >> 8}.${seventh & 0xff}.${eighth >> 8}.${eighth & 0xff}`);
  }
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

function isIpv4(address: string): boolean {
  const octets = address.split(".").map(Number);
  return octets.length === 4 && octets.every((n) => Number.isInteger(n) && n >= 0 && n <= 255);
}

function isPrivateIpv4(address: string): boolean {
  const [a = 0, b = 0] = address.split(".").map(Number);
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

/** The eight 16-bit groups of an IPv6 address (`::` expanded, dotted tail converted), or null. */
function ipv6Groups(address: string): number[] | null {
  // A zone id (`fe80::1%eth0`, as resolvers may report link-local addresses) is not the address.
  let text = address.toLowerCase().replace(/%.*$/, "");
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text)?.[1];
  if (dotted) {
    if (!isIpv4(dotted)) return null;
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split(".").map(Number);
    const high = ((a << 8) | b).toString(16);
    const low = ((c << 8) | d).toString(16);
    text = `${text.slice(0, -dotted.length)}${high}:${low}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string | undefined) => (part ? part.split(":") : []);
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16));
}
