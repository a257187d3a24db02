/** Which of the request header, the key and the route decides whether a call is cached. */
import { describe, expect, it } from "vitest";
import { cachePolicyOf } from "../../functions/cache/cache-policy.ts";

const maxAge = (seconds: number) => ({ kind: "max-age" as const, seconds });

describe("cachePolicyOf", () => {
  it("caches nothing when nothing opts in", () => {
    expect(cachePolicyOf({ requested: null })).toEqual({ directive: null, source: null });
    expect(cachePolicyOf({ requested: null, keyTtlSeconds: null, routeTtlSeconds: null })).toEqual({
      directive: null,
      source: null,
    });
  });

  it("lets the request's no-store win over a key and a route that opt in", () => {
    expect(
      cachePolicyOf({ requested: { kind: "no-store" }, keyTtlSeconds: 60, routeTtlSeconds: 60 }),
    ).toEqual({ directive: { kind: "no-store" }, source: "request" });
  });

  it("lets the request's max-age decide over the key and the route, longer or shorter", () => {
    expect(cachePolicyOf({ requested: maxAge(5), keyTtlSeconds: 60 })).toEqual({
      directive: maxAge(5),
      source: "request",
    });
    expect(cachePolicyOf({ requested: maxAge(600), routeTtlSeconds: 60 })).toEqual({
      directive: maxAge(600),
      source: "request",
    });
  });

  it("uses the key's or the route's setting alone, and the shorter of the two when both", () => {
    expect(cachePolicyOf({ requested: null, keyTtlSeconds: 60 })).toEqual({
      directive: maxAge(60),
      source: "key",
    });
    expect(cachePolicyOf({ requested: null, routeTtlSeconds: 90 })).toEqual({
      directive: maxAge(90),
      source: "route",
    });
    expect(cachePolicyOf({ requested: null, keyTtlSeconds: 60, routeTtlSeconds: 30 })).toEqual({
      directive: maxAge(30),
      source: "route",
    });
    expect(cachePolicyOf({ requested: null, keyTtlSeconds: 20, routeTtlSeconds: 30 })).toEqual({
      directive: maxAge(20),
      source: "key",
    });
  });

  it("ignores a stored value the admin API would have refused", () => {
    for (const bad of [0, -1, 1.5, 7 * 24 * 3600 + 1]) {
      expect(cachePolicyOf({ requested: null, keyTtlSeconds: bad })).toEqual({
        directive: null,
        source: null,
      });
    }
  });
});
