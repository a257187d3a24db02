import { describe, expect, it } from "vitest";
import { detectIbans } from "../../../functions/guardrails/detectors/iban.ts";
import { matchedTexts } from "./table.ts";

describe("IBAN detector", () => {
  it.each([
    ["IBAN DE89 3704 0044 0532 0130 00 bitte", ["DE89 3704 0044 0532 0130 00"]],
    ["GB82WEST12345698765432", ["GB82WEST12345698765432"]],
    ["FR14 2004 1010 0505 0001 3M02 606.", ["FR14 2004 1010 0505 0001 3M02 606"]],
    ["NL91ABNA0417164300 en", ["NL91ABNA0417164300"]],
  ])("finds the IBAN in %j", (text, expected) => {
    expect(matchedTexts(text, detectIbans(text))).toEqual(expected);
  });

  it.each([
    ["a wrong check digit", "DE88 3704 0044 0532 0130 00"],
    ["a wrong length for the country", "DE89 3704 0044 0532 0130 0"],
    ["an unknown country", "XX89370400440532013000"],
    ["a part number", "AB12CDEF34567890"],
  ])("does not flag %s", (_why, text) => {
    expect(detectIbans(text)).toEqual([]);
  });
});
