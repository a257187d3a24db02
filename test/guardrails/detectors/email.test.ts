import { describe, expect, it } from "vitest";
import { detectEmails } from "../../../functions/guardrails/detectors/email.ts";
import { matchedTexts } from "./table.ts";

describe("email detector", () => {
  it.each([
    ["write to jane.doe@example.com today", ["jane.doe@example.com"]],
    ["<a.b+tag@mail.example.co.uk>", ["a.b+tag@mail.example.co.uk"]],
    ["Kontakt: müller@bücher.de", ["müller@bücher.de"]],
    ["two: a@x.io, b@y.org", ["a@x.io", "b@y.org"]],
  ])("finds the address in %j", (text, expected) => {
    expect(matchedTexts(text, detectEmails(text))).toEqual(expected);
  });

  it.each([
    "ping @alice on slack",
    "npm i @scope/pkg@1.2.3",
    "user@localhost is a local account",
    "git@github",
    "the ratio is 3@4 per unit",
  ])("leaves %j alone", (text) => {
    expect(detectEmails(text)).toEqual([]);
  });
});
