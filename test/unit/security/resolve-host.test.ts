/**
 * The production resolver behind the SSRF guard: every address a name resolves to (IPv4 and IPv6,
 * as the resolver reports them), and none when the name does not resolve. node:dns is replaced,
 * so no test depends on real DNS.
 */
import type { LookupAddress } from "node:dns";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveHostWithDns } from "../../../functions/security/resolve-host.ts";
import { checkUpstreamUrl } from "../../../functions/security/upstream-url.ts";

const dns = vi.hoisted(() => ({
  lookup: vi.fn<(hostname: string, options: object) => Promise<LookupAddress[]>>(),
}));
vi.mock("node:dns/promises", () => ({ lookup: dns.lookup }));

afterEach(() => {
  dns.lookup.mockReset();
});

describe("resolveHostWithDns", () => {
  it("returns every address of the name, both families, in the resolver's order", async () => {
    dns.lookup.mockResolvedValue([
      { address: "2606:4700::6810:84e5", family: 6 },
      { address: "104.16.132.229", family: 4 },
    ]);
    expect(await resolveHostWithDns("api.example.com")).toEqual([
      "2606:4700::6810:84e5",
      "104.16.132.229",
    ]);
  });

  it("asks for all addresses, not just the first", async () => {
    dns.lookup.mockResolvedValue([]);
    await resolveHostWithDns("api.example.com");
    expect(dns.lookup).toHaveBeenCalledWith(
      "api.example.com",
      expect.objectContaining({ all: true }),
    );
  });

  it("returns no addresses for a name that does not resolve", async () => {
    dns.lookup.mockRejectedValue(
      Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), { code: "ENOTFOUND" }),
    );
    expect(await resolveHostWithDns("nowhere.invalid")).toEqual([]);
  });
});

describe("the guard with the DNS resolver", () => {
  it("refuses a public-looking name whose DNS answer hides a private address", async () => {
    dns.lookup.mockResolvedValue([
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.7", family: 4 },
    ]);
    const check = await checkUpstreamUrl("https://rebind.example/v1", {
      allowPrivate: false,
      resolveHost: resolveHostWithDns,
    });
    expect(check.ok).toBe(false);
    expect(dns.lookup).toHaveBeenCalledWith("rebind.example", expect.anything());
  });

  it("accepts a name whose DNS answer is public", async () => {
    dns.lookup.mockResolvedValue([{ address: "93.184.216.34", family: 4 }]);
    const check = await checkUpstreamUrl("https://api.example.com/v1", {
      allowPrivate: false,
      resolveHost: resolveHostWithDns,
    });
    expect(check.ok).toBe(true);
  });
});
