import { describe, expect, it } from "vitest";
import { detectPhoneNumbers } from "../../../functions/guardrails/detectors/phone.ts";
import { matchedTexts } from "./table.ts";

describe("phone detector", () => {
  it.each([
    ["call +1 415 555 2671 now", ["+1 415 555 2671"]],
    ["E.164: +442079460958", ["+442079460958"]],
    ["mobile (415) 555-2671", ["(415) 555-2671"]],
    ["Tel. 030 901820", ["030 901820"]],
    ["appelle-moi au 06 12 34 56 78", ["06 12 34 56 78"]],
    ["ring 0044 20 7946 0958", ["0044 20 7946 0958"]],
    ["Telefon: 089 12345678", ["089 12345678"]],
  ])("finds the number in %j", (text, expected) => {
    expect(matchedTexts(text, detectPhoneNumbers(text))).toEqual(expected);
  });

  it.each([
    "released on 2024-01-01",
    "order 4155552671 shipped",
    "+1 000 000 0000",
    "pi is 3.14159265",
    "version 10.2.3",
    "invoice 12345678",
    "card 4111 1111 1111 1111",
  ])("leaves %j alone", (text) => {
    expect(detectPhoneNumbers(text)).toEqual([]);
  });
});
