/** Backoff between retry rounds: full jitter under an exponentially growing, capped ceiling. */
import { describe, expect, it } from "vitest";
import { fullJitterDelay, sleep } from "../../functions/routing/resilience/backoff.ts";
import { deadlineMsOf } from "../../functions/routing/resilience/deadline.ts";

const settings = { baseMs: 200, capMs: 5_000 };

describe("full jitter backoff", () => {
  it("draws from zero up to base · 2^(round-1), capped", () => {
    expect(fullJitterDelay(1, () => 0, settings)).toBe(0);
    expect(fullJitterDelay(1, () => 0.999_999, settings)).toBe(199);
    expect(fullJitterDelay(3, () => 0.5, settings)).toBe(400);
    expect(fullJitterDelay(20, () => 0.999_999, settings)).toBe(4_999);
  });

  it("spreads the waits over the whole range rather than bunching them", () => {
    const draws = Array.from({ length: 2_000 }, () => fullJitterDelay(2, Math.random, settings));
    expect(Math.min(...draws)).toBeLessThan(40);
    expect(Math.max(...draws)).toBeGreaterThan(360);
    const mean = draws.reduce((sum, draw) => sum + draw, 0) / draws.length;
    expect(mean).toBeGreaterThan(180);
    expect(mean).toBeLessThan(220);
  });

  it("stops waiting as soon as the signal aborts", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error("deadline"));
    await expect(waiting).rejects.toThrow("deadline");
  });
});

describe("request deadline header", () => {
  const headers = (value?: string) =>
    new Headers(value === undefined ? {} : { "x-switchyard-request-timeout": value });

  it("defaults to 60 s and takes a client's milliseconds", () => {
    expect(deadlineMsOf(headers())).toEqual({ ok: true, ms: 60_000 });
    expect(deadlineMsOf(headers("1500"))).toEqual({ ok: true, ms: 1_500 });
  });

  it("refuses what is not a whole number of milliseconds up to 10 minutes", () => {
    for (const value of ["soon", "0", "-5", "1.5", "600001"]) {
      expect(deadlineMsOf(headers(value))).toEqual({ ok: false });
    }
  });
});
