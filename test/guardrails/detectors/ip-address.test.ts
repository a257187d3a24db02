import { describe, expect, it } from "vitest";
import { detectIpAddresses } from "../../../functions/guardrails/detectors/ip-address.ts";
import { matchedTexts } from "./table.ts";

describe("IP address detector", () => {
  it.each([
    ["server at 192.168.1.20.", ["192.168.1.20"]],
    ["from 8.8.8.8 and 10.0.0.1", ["8.8.8.8", "10.0.0.1"]],
    ["v6 2001:db8::8a2e:370:7334 here", ["2001:db8::8a2e:370:7334"]],
    ["loopback ::1 and fe80::1", ["::1", "fe80::1"]],
    ["mapped ::ffff:192.0.2.128", ["::ffff:192.0.2.128"]],
  ])("finds the address in %j", (text, expected) => {
    expect(matchedTexts(text, detectIpAddresses(text))).toEqual(expected);
  });

  it.each([
    ["an octet over 255", "999.1.1.1"],
    ["an OID", "1.3.6.1.4.1.311"],
    ["a version", "version 1.2.3.4"],
    ["a v-prefixed version", "v1.2.3.4"],
    ["a clock time", "at 12:30:45"],
    ["a three-part version", "node 20.11.1"],
  ])("does not flag %s", (_why, text) => {
    expect(detectIpAddresses(text)).toEqual([]);
  });
});
