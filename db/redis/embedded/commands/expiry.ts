/** Expiry arguments shared by SET, GETEX, SETEX and the EXPIRE family. */
import { parseInt64 } from "../numbers.ts";
import { errors } from "../reply.ts";

export type ExpiryUnit = "EX" | "PX" | "EXAT" | "PXAT";

/** Largest absolute expiry Redis accepts (LLONG_MAX ms); beyond it the time is invalid. */
const MAX_MS = 2n ** 63n - 1n;

/**
 * Turns "EX 10" style arguments into an absolute time in ms. SET and friends refuse
 * non-positive times ("invalid expire time in 'set' command", t_string.c); the EXPIRE family
 * accepts them and deletes the key instead, so `allowNonPositive` tells which rule applies.
 */
export function absoluteExpiry(
  unit: ExpiryUnit,
  text: string,
  now: number,
  command: string,
  allowNonPositive = false,
): number {
  const amount = parseInt64(text);
  if (amount === undefined) throw errors.notInteger();
  if (!allowNonPositive && amount <= 0n) throw errors.invalidExpire(command);
  const inMs = unit === "EX" || unit === "EXAT" ? amount * 1000n : amount;
  const absolute = unit === "EXAT" || unit === "PXAT" ? inMs : inMs + BigInt(now);
  if (absolute > MAX_MS || absolute < -MAX_MS || inMs > MAX_MS || inMs < -MAX_MS) {
    throw errors.invalidExpire(command);
  }
  return Number(absolute);
}

export function expiryUnit(option: string): ExpiryUnit | undefined {
  const upper = option.toUpperCase();
  return upper === "EX" || upper === "PX" || upper === "EXAT" || upper === "PXAT"
    ? upper
    : undefined;
}
