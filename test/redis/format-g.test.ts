/**
 * formatG's shortcut for integers (String(value)) and its general path (the digit expansion)
 * meet at the precision's power of ten and at 2^53; on both sides the text is C's.
 */
import { describe, expect, it } from "vitest";
import { formatG } from "../../db/redis/embedded/numbers.ts";

describe("formatG for integers", () => {
  it("prints them as C's %.14g and %.17g do, around the shortcut's limits", () => {
    const cases: [number, number, string][] = [
      [1760000000000, 17, "1760000000000"],
      [-42, 17, "-42"],
      [99999999999999, 14, "99999999999999"],
      [100000000000000, 14, "1e+14"],
      [123456789012345, 14, "1.2345678901234e+14"],
      [123456789012355, 14, "1.2345678901236e+14"],
      [2 ** 53, 17, "9007199254740992"],
      [2 ** 53 - 1, 17, "9007199254740991"],
      [2 ** 60, 17, "1.152921504606847e+18"],
      [10 ** 17, 17, "1e+17"],
      [-(10 ** 16), 17, "-10000000000000000"],
    ];
    for (const [value, precision, expected] of cases) {
      expect(formatG(value, precision), `${value} %.${precision}g`).toBe(expected);
    }
  });
});
