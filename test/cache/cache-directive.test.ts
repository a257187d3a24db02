/** The `x-switchyard-cache` request header. */
import { describe, expect, it } from "vitest";
import { parseCacheDirective } from "../../functions/cache/cache-directive.ts";

describe("x-switchyard-cache", () => {
  it("is not opted in without the header", () => {
    expect(parseCacheDirective(null)).toEqual({ ok: true, directive: null });
  });

  it.each([
    ["max-age=60", { kind: "max-age", seconds: 60 }],
    [" MAX-AGE=1 ", { kind: "max-age", seconds: 1 }],
    ["max-age=604800", { kind: "max-age", seconds: 604_800 }],
    ["no-store", { kind: "no-store" }],
    ["No-Store", { kind: "no-store" }],
  ])("reads %j", (value, directive) => {
    expect(parseCacheDirective(value)).toEqual({ ok: true, directive });
  });

  it.each([
    "max-age=0",
    "max-age=604801",
    "max-age=1e3",
    "max-age= 5",
    "no-cache",
    "max-age=5, no-store",
  ])("refuses %j, naming the accepted forms", (value) => {
    const result = parseCacheDirective(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("max-age=N");
  });
});
