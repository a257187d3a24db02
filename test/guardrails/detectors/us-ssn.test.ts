import { describe, expect, it } from "vitest";
import { detectUsSsns } from "../../../functions/guardrails/detectors/us-ssn.ts";
import { matchedTexts } from "./table.ts";

describe("US SSN detector", () => {
  it.each([
    ["ssn 123-45-6789", ["123-45-6789"]],
    ["SSN: 536 22 1234.", ["536 22 1234"]],
    ["a 001-01-0001 b", ["001-01-0001"]],
  ])("finds the SSN in %j", (text, expected) => {
    expect(matchedTexts(text, detectUsSsns(text))).toEqual(expected);
  });

  it.each([
    ["area 000", "000-12-3456"],
    ["area 666", "666-12-3456"],
    ["area 9xx (ITINs)", "912-34-5678"],
    ["group 00", "123-00-4567"],
    ["serial 0000", "123-45-0000"],
    ["the SSA's advertising number", "078-05-1120"],
    ["mixed separators", "123-45 6789"],
    ["nine bare digits", "123456789"],
    ["a phone number", "555-123-4567"],
  ])("does not flag %s", (_why, text) => {
    expect(detectUsSsns(text)).toEqual([]);
  });
});
