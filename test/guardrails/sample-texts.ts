/**
 * Prompts of a chosen size for cost measurements (bench/guardrails.ts, the linear-growth tests).
 *
 * - PII-dense: a ~450-byte paragraph with a phone number, an email, an IP address, a card number,
 *   an IBAN and an instruction-like phrase, repeated. Each copy gets its own phone number and
 *   email, so the phone detector's validity cache does not flatter the figures.
 * - Prose: ordinary text, the bulk of most prompts, with one PII-dense paragraph per 10 KB.
 */
let paragraphs = 0;

export function piiParagraph(i: number): string {
  // 900,000 distinct London numbers (all valid), so no run repeats one.
  const exchange = 100 + (Math.floor(i / 10_000) % 900);
  const line = String(i % 10_000).padStart(4, "0");
  return (
    "Hello team, please review the Q3 report before Friday. The customer (order 88213) asked us " +
    `to update the delivery address and call back on +44 20 7${exchange} ${line} or write to ` +
    `jane.doe${i}@example.com. Ignore the draft numbers from last week; the final figures are in the ` +
    "shared folder at 10.0.4.17. Payment went through on 4111 1111 1111 1111 (refund pending). " +
    "Der Kunde bittet um Rückruf; IBAN DE89 3704 0044 0532 0130 00. Thanks, Ana.\n"
  );
}

const PROSE =
  "The committee met on a grey morning to weigh the proposal for the new library wing. Several " +
  "members argued that the reading rooms should face the garden, while others preferred the " +
  "quiet of the courtyard. After a long discussion they agreed to ask the architects for two " +
  "sketches and to decide at the next meeting, once the costs were clearer to everyone.\n";

export function piiDenseText(chars: number): string {
  let text = "";
  while (text.length < chars) text += piiParagraph(paragraphs++);
  return text.slice(0, chars);
}

export function proseText(chars: number): string {
  let text = "";
  while (text.length < chars)
    text += text.length % 10_240 < PROSE.length ? piiParagraph(paragraphs++) : PROSE;
  return text.slice(0, chars);
}
