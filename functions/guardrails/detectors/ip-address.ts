/**
 * IP addresses: dotted-quad IPv4 and IPv6 (full, compressed, IPv4-mapped), checked by ipaddr.js
 * so `999.1.1.1` or `12:30:45` are not flagged. A dotted quad that is part of a longer dotted run
 * (an OID such as 1.3.6.1.4.1, a four-part version "v1.2.3.4") is not an address.
 */
import ipaddr from "ipaddr.js";
import type { Finding } from "./types.ts";

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4 = new RegExp(String.raw`(?<![\w.:])(?<!\bv)${OCTET}(?:\.${OCTET}){3}(?![\w]|\.\d)`, "g");
/** Hex groups joined by colons, at least two colons, optionally ending in a dotted quad. */
const IPV6 =
  /(?<![\w:.])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f]*:)[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\w:])/g;

export function detectIpAddresses(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(IPV4)) {
    if (versionContext(text, match.index)) continue;
    findings.push(finding(match, "ipv4"));
  }
  if (text.includes(":")) {
    for (const match of text.matchAll(IPV6)) {
      const raw = match[0];
      // "::" alone, or a clock time, is no address; ipaddr.js decides the rest.
      if (!/[0-9A-Fa-f]/.test(raw) || !ipaddr.IPv6.isValid(raw)) continue;
      if (!/[A-Fa-f]|::|(?::[0-9A-Fa-f]{1,4}){4}/.test(raw)) continue;
      findings.push(finding(match, "ipv6"));
    }
  }
  return findings;
}

/** "version 1.2.3.4", "v1.2.3.4": software versions written as four numbers. */
function versionContext(text: string, start: number): boolean {
  const before = text.slice(Math.max(0, start - 9), start).toLowerCase();
  return /(?:version|ver\.?|release)\s*$/.test(before);
}

function finding(match: RegExpExecArray, signal: string): Finding {
  return {
    detector: "IP_ADDRESS",
    start: match.index,
    end: match.index + match[0].length,
    signals: [signal],
  };
}
