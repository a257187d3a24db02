/**
 * ./phone-validity.ts answers for libphonenumber-js without its per-call regex compilation; it
 * must give the library's answer wherever it answers. Compared on every country's example mobile
 * number and mutations of it (valid and invalid neighbours), on random numbers after every
 * geographic calling code, and on random national numbers for the regions the detector tries.
 */

import examples from "libphonenumber-js/examples.mobile.json";
import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
} from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { fastValidity } from "../../../functions/guardrails/detectors/phone-validity.ts";

/** Deterministic, so a failure names a number that fails again. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}
const next = random(22);
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join("");

function library(number: string, region: CountryCode | null): boolean {
  const parsed = region
    ? parsePhoneNumberFromString(number, region)
    : parsePhoneNumberFromString(number);
  return parsed?.isValid() ?? false;
}

function compare(cases: [string, CountryCode | null][]) {
  const answered = { valid: 0, invalid: 0, deferred: 0 };
  const disagreements: string[] = [];
  for (const [number, region] of cases) {
    const fast = fastValidity(number, region);
    if (fast === undefined) {
      answered.deferred++;
      continue;
    }
    answered[fast ? "valid" : "invalid"]++;
    if (fast !== library(number, region)) disagreements.push(`${region ?? "+"} ${number}`);
  }
  return { answered, disagreements };
}

describe("fast phone validity agrees with libphonenumber-js", () => {
  it("on every country's example number and its neighbours, as +E.164", () => {
    const cases: [string, CountryCode | null][] = [];
    for (const country of getCountries()) {
      const example = (examples as Record<string, string>)[country];
      if (!example) continue;
      const e164 = `+${getCountryCallingCode(country)}${example}`;
      cases.push([e164, null]);
      for (let i = 0; i < 6; i++) {
        const cut = e164.length - 1 - (i % 4);
        cases.push([e164.slice(0, cut) + digits(e164.length - cut), null]);
      }
      cases.push([e164.slice(0, -1), null], [`${e164}7`, null]);
    }
    const { answered, disagreements } = compare(cases);
    expect(disagreements).toEqual([]);
    // It must answer most of them itself, valid ones included, or it saves nothing.
    expect(answered.valid).toBeGreaterThan(cases.length / 3);
    expect(answered.deferred).toBeLessThan(cases.length / 20);
  });

  it("on random numbers after every calling code", () => {
    const codes = [...new Set(getCountries().map((c) => getCountryCallingCode(c)))];
    const cases: [string, CountryCode | null][] = [];
    for (const code of codes) {
      for (let i = 0; i < 25; i++) cases.push([`+${code}${digits(5 + (i % 9))}`, null]);
    }
    const { disagreements } = compare(cases);
    expect(disagreements).toEqual([]);
  });

  it("on national numbers for the regions the detector tries", () => {
    const cases: [string, CountryCode | null][] = [];
    for (const region of ["GB", "DE", "FR", "IT", "NL", "IN", "US", "ES"] as const) {
      const example = (examples as Record<string, string>)[region] ?? "";
      for (let i = 0; i < 600; i++) {
        const lead = i % 3 === 0 ? "0" : i % 3 === 1 ? String(2 + (i % 8)) : "";
        const number = lead === "" ? example.slice(0, -3) + digits(3) : lead + digits(6 + (i % 6));
        cases.push([number, region]);
      }
    }
    const { answered, disagreements } = compare(cases);
    expect(disagreements).toEqual([]);
    expect(answered.valid).toBeGreaterThan(100);
  });
});
