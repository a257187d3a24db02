/**
 * The SSRF guard on provider base URLs (DESIGN.md, createProvider): in production a base URL may
 * not reach loopback, private, link-local or metadata addresses, literally or through DNS, unless
 * private upstreams are allowed. The resolver is injected, so no test touches real DNS.
 */
import { describe, expect, it, vi } from "vitest";
import {
  checkUpstreamUrl,
  isPrivateAddress,
  type ResolveHost,
} from "../../../functions/security/upstream-url.ts";

/** A resolver that knows a fixed table and records what it was asked. */
function fakeResolver(table: Record<string, string[]>) {
  return vi.fn<ResolveHost>(async (hostname) => table[hostname] ?? []);
}

const noDns = fakeResolver({});

async function refused(raw: string, resolveHost: ResolveHost = noDns): Promise<string | null> {
  const check = await checkUpstreamUrl(raw, { allowPrivate: false, resolveHost });
  return check.ok ? null : check.reason;
}

describe("literal addresses in production", () => {
  it.each([
    ["IPv4 loopback", "http://127.0.0.1:11434/v1"],
    ["the rest of 127/8", "http://127.255.0.9/"],
    ["the cloud metadata service", "http://169.254.169.254/latest/meta-data/"],
    ["IPv4 link-local", "http://169.254.1.1/"],
    ["RFC 1918 10/8", "https://10.0.0.5/v1"],
    ["RFC 1918 172.16/12", "https://172.16.0.1/v1"],
    ["RFC 1918 172.16/12, top", "https://172.31.255.255/v1"],
    ["RFC 1918 192.168/16", "https://192.168.1.10/v1"],
    ["carrier-grade NAT 100.64/10", "http://100.64.0.1/"],
    ["the unspecified address", "http://0.0.0.0:8080/"],
    ["IPv6 loopback", "http://[::1]:8080/"],
    ["IPv6 loopback, written out", "http://[0:0:0:0:0:0:0:1]/"],
    ["the IPv6 unspecified address", "http://[::]/"],
    ["IPv6 unique local fc00::/7", "http://[fd12:3456:789a::1]/"],
    ["IPv6 unique local, fc half", "http://[fc00::1]/"],
    ["IPv6 link-local", "http://[fe80::1]/"],
    ["IPv6 link-local, top of fe80::/10", "http://[febf::1]/"],
    ["IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/"],
    ["IPv4-mapped metadata service", "http://[::ffff:169.254.169.254]/"],
    ["IPv4-mapped private, hex form", "http://[::ffff:a00:1]/"],
    ["IPv4-compatible loopback", "http://[::127.0.0.1]/"],
    ["loopback as one decimal number", "http://2130706433/"],
    ["loopback in hex", "http://0x7f000001/"],
    ["loopback in octal", "http://0177.0.0.1/"],
    ["loopback, short form", "http://127.1/"],
    // Special-purpose ranges beyond RFC 1918 (IANA registry, as ipaddr.js names them).
    ["benchmarking 198.18/15", "http://198.18.0.1/"],
    ["benchmarking 198.18/15, top", "http://198.19.255.255/"],
    ["multicast 224/4", "http://224.0.0.1/"],
    ["multicast 224/4, top", "http://239.255.255.250/"],
    ["reserved 240/4", "http://240.0.0.1/"],
    ["reserved 240/4, top", "http://255.255.255.254/"],
    ["the limited broadcast address", "http://255.255.255.255/"],
    ["IETF protocol assignments 192.0.0/24", "http://192.0.0.170/"],
    ["documentation 192.0.2/24", "http://192.0.2.1/"],
    ["IPv6 multicast", "http://[ff02::1]/"],
    ["Teredo 2001::/32", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/"],
    ["IPv6 documentation 2001:db8::/32", "http://[2001:db8::1]/"],
    ["NAT64 local-use 64:ff9b:1::/48", "http://[64:ff9b:1::808:808]/"],
    // IPv6 ranges that deliver to an embedded IPv4 address.
    ["IPv4-mapped loopback, hex form", "http://[::ffff:7f00:1]/"],
    ["IPv4-mapped 198.18/15", "http://[::ffff:198.18.0.1]/"],
    ["IPv4-compatible loopback, hex form", "http://[::7f00:1]/"],
    ["IPv4-translated private (RFC 6145)", "http://[::ffff:0:a00:1]/"],
    ["NAT64 64:ff9b::/96 to loopback", "http://[64:ff9b::127.0.0.1]/"],
    ["NAT64 64:ff9b::/96 to the metadata service", "http://[64:ff9b::a9fe:a9fe]/"],
    ["6to4 2002::/16 to RFC 1918", "http://[2002:c0a8:101::1]/"],
    ["6to4 2002::/16 to loopback", "http://[2002:7f00:1::]/"],
  ])("refuses %s (%s)", async (_label, raw) => {
    expect(await refused(raw)).toMatch(/private address/);
  });

  it.each([
    ["a public IPv4 address", "https://8.8.8.8/v1"],
    ["just below 172.16/12", "https://172.15.255.255/"],
    ["just above 172.16/12", "https://172.32.0.1/"],
    ["just below 100.64/10", "https://100.63.255.255/"],
    ["just above 100.64/10", "https://100.128.0.1/"],
    ["169 outside link-local", "https://169.253.1.1/"],
    ["a public IPv6 address", "https://[2606:4700:4700::1111]/v1"],
    ["a public IPv4-mapped address", "https://[::ffff:8.8.8.8]/"],
    ["just below 198.18/15", "https://198.17.255.255/"],
    ["just above 198.18/15", "https://198.20.0.1/"],
    ["just below 224/4", "https://223.255.255.255/"],
    ["NAT64 64:ff9b::/96 to a public address", "https://[64:ff9b::808:808]/"],
    ["6to4 2002::/16 to a public address", "https://[2002:808:808::1]/"],
  ])("accepts %s (%s)", async (_label, raw) => {
    expect(await refused(raw)).toBeNull();
  });

  it("names the range it refused, following an embedded IPv4 address", async () => {
    expect(await refused("http://[64:ff9b::a9fe:a9fe]/")).toBe(
      "baseUrl points at a private address (rfc6052 of linkLocal)",
    );
  });

  it("does not ask DNS about an address literal", async () => {
    const resolveHost = fakeResolver({});
    await checkUpstreamUrl("http://127.0.0.1/", { allowPrivate: false, resolveHost });
    await checkUpstreamUrl("http://[2606:4700:4700::1111]/", { allowPrivate: false, resolveHost });
    expect(resolveHost).not.toHaveBeenCalled();
  });
});

describe("host names in production", () => {
  it.each([
    "http://localhost:11434/v1",
    "http://LOCALHOST/",
    "http://localhost./",
    "http://api.localhost/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata.google.internal./",
  ])("refuses %s by name, before any DNS lookup", async (raw) => {
    const resolveHost = fakeResolver({});
    expect(await refused(raw, resolveHost)).toMatch(/private address/);
    expect(resolveHost).not.toHaveBeenCalled();
  });

  it("refuses a name that resolves to a private address", async () => {
    const resolveHost = fakeResolver({ "llm.corp.example": ["10.1.2.3"] });
    expect(await refused("https://llm.corp.example/v1", resolveHost)).toMatch(/private address/);
    expect(resolveHost).toHaveBeenCalledWith("llm.corp.example");
  });

  it("refuses a name that resolves to the metadata service", async () => {
    const resolveHost = fakeResolver({ "169.254.169.254.nip.io": ["169.254.169.254"] });
    expect(await refused("http://169.254.169.254.nip.io/", resolveHost)).toMatch(/private/);
  });

  it("refuses a name with any private address among public ones", async () => {
    const resolveHost = fakeResolver({ "mixed.example": ["93.184.216.34", "::1"] });
    expect(await refused("https://mixed.example/", resolveHost)).toMatch(/private address/);
  });

  it("refuses a name that resolves to an IPv4-mapped private address", async () => {
    const resolveHost = fakeResolver({ "mapped.example": ["::ffff:192.168.0.1"] });
    expect(await refused("https://mapped.example/", resolveHost)).toMatch(/private address/);
  });

  it("asks DNS with the host name lower-cased and without port or path", async () => {
    const resolveHost = fakeResolver({ "api.example.com": ["93.184.216.34"] });
    const check = await checkUpstreamUrl("https://API.Example.COM:8443/v1?x=1", {
      allowPrivate: false,
      resolveHost,
    });
    expect(check.ok).toBe(true);
    expect(resolveHost).toHaveBeenCalledWith("api.example.com");
  });

  it("accepts a name that resolves only to public addresses, and returns the parsed URL", async () => {
    const resolveHost = fakeResolver({ "api.openai.com": ["162.159.140.245", "2606:4700::1"] });
    const check = await checkUpstreamUrl("https://api.openai.com/v1", {
      allowPrivate: false,
      resolveHost,
    });
    expect(check).toEqual({ ok: true, url: new URL("https://api.openai.com/v1") });
  });
});

describe("what is refused even when private upstreams are allowed", () => {
  const allowed = (raw: string) =>
    checkUpstreamUrl(raw, { allowPrivate: true, resolveHost: noDns });

  it.each([
    "file:///etc/passwd",
    "ftp://files.example/v1",
    "gopher://127.0.0.1:6379/_INFO",
    "javascript:alert(1)",
    "data:text/plain,hello",
    "ws://api.example/v1",
  ])("a non-http(s) scheme: %s", async (raw) => {
    expect(await allowed(raw)).toEqual({ ok: false, reason: "baseUrl must be http(s)" });
  });

  it("credentials in the URL", async () => {
    const check = await allowed("https://user:sk-secret@api.example.com/v1");
    expect(check.ok).toBe(false);
    expect(check.ok ? "" : check.reason).toMatch(/credentials/);
  });

  it.each(["not a url", "", "/v1/chat/completions", "http://"])(
    "a string that is not a URL: %j",
    async (raw) => {
      expect(await allowed(raw)).toEqual({ ok: false, reason: "baseUrl is not a valid URL" });
    },
  );
});

describe("when private upstreams are allowed", () => {
  it("accepts loopback and private addresses without asking DNS", async () => {
    const resolveHost = fakeResolver({ "ollama.lan": ["192.168.1.20"] });
    for (const raw of [
      "http://127.0.0.1:11434/v1",
      "http://localhost:11434",
      "http://ollama.lan",
    ]) {
      expect((await checkUpstreamUrl(raw, { allowPrivate: true, resolveHost })).ok).toBe(true);
    }
    expect(resolveHost).not.toHaveBeenCalled();
  });
});

describe("isPrivateAddress, on addresses as a resolver reports them", () => {
  it.each([
    "127.0.0.1",
    "10.255.255.255",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "0:0:0:0:0:ffff:a9fe:a9fe",
    "::1",
    "FD00::1",
    "fe80::1%eth0",
    "FE80::abcd",
    "198.18.0.1",
    "224.0.0.251",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.0.8",
    "64:ff9b::7f00:1",
    "64:ff9b::10.0.0.1",
    "2002:a9fe:a9fe::1",
    "::ffff:0:7f00:1",
    "::7f00:1",
    "not an address",
  ])("%s is private", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    "8.8.8.8",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
  ])("%s is public", (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});
