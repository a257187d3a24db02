/**
 * The `Usd` scalar: an amount of US dollars, exact to the nano-dollar (1e-9 USD) that money is
 * counted in inside (db/schema/columns.ts). Clients send a decimal string ("12.50") or a number;
 * answers are decimal strings, so no amount ever passes through a float on our side.
 *
 * A number sent in JSON was already a binary float in the client's parser; it is read as its
 * shortest decimal form (what `String(n)` prints: 0.1 → "0.1"), which is the value the client
 * wrote whenever it had at most 15 significant digits. A decimal string is always exact.
 */
import { type PothosScalarTypeConfig, ScalarRef } from "@pothos/core";
import { GraphQLError, Kind, type ValueNode } from "graphql";
import { z } from "zod";
import { builder } from "../builder.ts";

const NANO_PER_USD = 9;

/**
 * Registered from here, as builder.scalarType does it, rather than through builder.ts's `Scalars`
 * map (which would be the usual place; a shared file). Pothos declares ScalarRef's constructor
 * with the name only; at run time it takes the type's config second, as builder.scalarType passes.
 */
const ConfiguredScalarRef = ScalarRef as unknown as new <Output, Input>(
  name: string,
  config: PothosScalarTypeConfig,
) => ScalarRef<typeof builder.$inferSchemaTypes, Output, Input>;

/** Input: the decimal text (fields convert it, see usdLimitAmount); output: nano-USD. */
export const Usd = new ConfiguredScalarRef<bigint | number, string>("Usd", {
  kind: "Scalar",
  graphqlKind: "Scalar",
  name: "Usd",
  description:
    'US dollars, exact to 1e-9. Input: a decimal string ("12.50") or a number; output: a decimal string.',
  parseValue: (value: unknown) => usdText(value),
  // A literal's own text: a Float literal is never rounded through a double.
  parseLiteral: (node: ValueNode) =>
    usdText(
      node.kind === Kind.STRING || node.kind === Kind.INT || node.kind === Kind.FLOAT
        ? node.value
        : undefined,
    ),
  serialize: (value: unknown) => {
    if (typeof value !== "bigint" && !Number.isSafeInteger(value)) {
      throw new Error("Usd: not an integer amount of nano-USD");
    }
    return formatNanoUsd(BigInt(value as bigint | number));
  },
  pothosOptions: {},
});
builder.configStore.addTypeRef(Usd);

function usdText(value: unknown): string {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new GraphQLError('A USD amount is a decimal string such as "12.50" or a number', {
    extensions: { code: "BAD_USER_INPUT" },
  });
}

export type ParsedUsd = { ok: true; nanoUsd: bigint } | { ok: false; reason: string };

/**
 * Decimal text → integer nano-USD, exactly (BigInt arithmetic on the digits; exponent notation
 * as `String(1e-7)` prints it is accepted). Refuses negatives and anything finer than 1e-9.
 */
export function parseUsd(text: string): ParsedUsd {
  const match = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/.exec(text);
  const whole = match?.[1] ?? "";
  const fraction = match?.[2] ?? "";
  if (!match || whole.length + fraction.length === 0) {
    return { ok: false, reason: 'must be a non-negative decimal amount such as "12.50"' };
  }
  const digits = BigInt(`${whole}${fraction}` || "0");
  // value = digits × 10^(exponent − fraction digits); nano = value × 10^9.
  const shift = Number(match[3] ?? 0) - fraction.length + NANO_PER_USD;
  if (shift >= 0) return { ok: true, nanoUsd: digits * 10n ** BigInt(shift) };
  const divisor = 10n ** BigInt(-shift);
  if (digits % divisor !== 0n) {
    return { ok: false, reason: "has more than 9 decimal places (1e-9 USD is the smallest unit)" };
  }
  return { ok: true, nanoUsd: digits / divisor };
}

/** Integer nano-USD → the shortest exact decimal text ("0.1", "12", "-3.000000001"). */
export function formatNanoUsd(nanoUsd: bigint): string {
  const sign = nanoUsd < 0n ? "-" : "";
  const magnitude = nanoUsd < 0n ? -nanoUsd : nanoUsd;
  const whole = magnitude / 10n ** BigInt(NANO_PER_USD);
  const fraction = (magnitude % 10n ** BigInt(NANO_PER_USD))
    .toString()
    .padStart(NANO_PER_USD, "0")
    .replace(/0+$/, "");
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}

/**
 * The largest amount a limit may hold: money columns and the limits' Lua arithmetic are exact
 * up to 2^53 nano-USD (about 9 million USD), and a limit past that could not be enforced exactly.
 */
export const MAX_LIMIT_NANO_USD = BigInt(Number.MAX_SAFE_INTEGER);

/** A `Usd` input field's validation: the amount as integer nano-USD, within a limit's range. */
export const usdLimitAmount = z.string().transform((text, context): number => {
  const parsed = parseUsd(text);
  if (!parsed.ok) {
    context.addIssue({ code: "custom", message: parsed.reason });
    return z.NEVER;
  }
  if (parsed.nanoUsd > MAX_LIMIT_NANO_USD) {
    context.addIssue({
      code: "custom",
      message: `must be at most ${formatNanoUsd(MAX_LIMIT_NANO_USD)}`,
    });
    return z.NEVER;
  }
  return Number(parsed.nanoUsd);
});
