import { describe, expect, it } from "vitest";
import { detectPaymentCards } from "../../../functions/guardrails/detectors/payment-card.ts";
import { matchedTexts } from "./table.ts";

describe("payment card detector", () => {
  it.each([
    ["visa 4111 1111 1111 1111", ["4111 1111 1111 1111"], "visa"],
    ["mc 5555-5555-5555-4444", ["5555-5555-5555-4444"], "mastercard"],
    ["amex 378282246310005.", ["378282246310005"], "amex"],
    ["mc2 2223003122003222", ["2223003122003222"], "mastercard"],
    ["discover 6011111111111117", ["6011111111111117"], "discover"],
  ])("finds the card in %j", (text, expected, scheme) => {
    const findings = detectPaymentCards(text);
    expect(matchedTexts(text, findings)).toEqual(expected);
    expect(findings[0]?.signals).toEqual([scheme]);
  });

  it.each([
    ["one digit off the Luhn check", "4111 1111 1111 1112"],
    ["no issuer starts with 9", "9111111111111111"],
    ["a 16-digit timestamp", "1700000000000000"],
    ["mixed separators", "4111-1111 1111 1111"],
    ["part of a longer number", "41111111111111110000"],
    ["a decimal", "0.4111111111111111"],
  ])("does not flag %s", (_why, text) => {
    expect(detectPaymentCards(text)).toEqual([]);
  });
});
