/**
 * Which IP addresses a production gateway may connect to: globally routable unicast only. The
 * ranges are ipaddr.js's `range()` names (the IANA special-purpose registries, RFC 6890 and
 * successors), so 240/4, 198.18/15, multicast, broadcast and the rest are refused without a list
 * of our own to keep up to date. Anything not named "unicast" is refused, including ranges a
 * future ipaddr.js adds.
 *
 * Some IPv6 ranges carry an IPv4 address, and a packet sent there is delivered to that IPv4
 * address (a dual-stack socket, a NAT64 or 6to4 translator). Those are as public as the address
 * they embed: `::ffff:127.0.0.1` (which the URL parser writes `::ffff:7f00:1`) is loopback.
 */
import ipaddr from "ipaddr.js";

/**
 * The name of the non-public range `address` lies in ("loopback", "private", "6to4 of
 * private", ...), or null when it is public unicast. Text that is not an IP address is refused:
 * a resolver never reports one, so it is safer to stop than to guess.
 */
export function nonPublicRange(address: string): string | null {
  if (ipaddr.IPv4.isValid(address)) return ipv4Range(ipaddr.IPv4.parse(address));
  if (ipaddr.IPv6.isValid(address)) return ipv6Range(ipaddr.IPv6.parse(address));
  return "not an IP address";
}

/** True for every address a production gateway must not connect to (see nonPublicRange). */
export function isPrivateAddress(address: string): boolean {
  return nonPublicRange(address) !== null;
}

function ipv4Range(address: ipaddr.IPv4): string | null {
  const range = address.range();
  return range === "unicast" ? null : range;
}

function ipv6Range(address: ipaddr.IPv6): string | null {
  const range: string = address.range();
  const embedded = embeddedIpv4(address, range);
  if (embedded) {
    const inner = ipv4Range(embedded);
    return inner === null ? null : `${range} of ${inner}`;
  }
  return range === "unicast" ? null : range;
}

/** The IPv4 address an IPv6 address delivers to, for the ranges that embed one. */
function embeddedIpv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const [p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0] = address.parts;
  const fromGroups = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (range) {
    // ::ffff:0:0/96 (mapped, RFC 4291 §2.5.5.2) and ::ffff:0:0:0/96 (translated, RFC 6145).
    case "ipv4Mapped":
    case "rfc6145":
      return fromGroups(p6, p7);
    // 2002:AABB:CCDD::/48 relays to AA.BB.CC.DD (RFC 3056 §2).
    case "6to4":
      return fromGroups(p1, p2);
    // 64:ff9b::/96 translates to the last 32 bits (RFC 6052 §2.2). ipaddr.js names the
    // local-use 64:ff9b:1::/48 (RFC 8215) the same; there the operator picks where the IPv4
    // address sits, so it is left as a non-public range of its own.
    case "rfc6052":
      return p1 === 0xff9b && p2 === 0 && p3 === 0 && p4 === 0 && p5 === 0
        ? fromGroups(p6, p7)
        : null;
    // ::a.b.c.d, the deprecated IPv4-compatible form (RFC 4291 §2.5.5.1), which ipaddr.js
    // does not name; `::` and `::1` have ranges of their own and never get here.
    case "unicast":
      return p0 === 0 && p1 === 0 && p2 === 0 && p3 === 0 && p4 === 0 && p5 === 0
        ? fromGroups(p6, p7)
        : null;
    default:
      return null;
  }
}
