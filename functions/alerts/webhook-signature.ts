/**
 * Webhook signatures, Stripe's scheme (README, "Alerts and webhooks"):
 *
 *   x-switchyard-signature: t=<unix seconds>,v1=<hex HMAC-SHA-256(secret, "<t>.<raw body>")>
 *
 * The key is the UTF-8 bytes of the whole secret string createWebhook returned. The timestamp is
 * signed with the body, so a receiver that refuses old timestamps also refuses replays. Each
 * attempt is signed afresh with its own timestamp. WebCrypto only: Node, Bun and Deno alike.
 */
import { constantTimeEqual } from "../security/keyring.ts";

export const SIGNATURE_HEADER = "x-switchyard-signature";
export const EVENT_ID_HEADER = "x-switchyard-event-id";
export const EVENT_TYPE_HEADER = "x-switchyard-event-type";

/** How old a signed timestamp a receiver should accept, as Stripe's libraries default to. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

export async function signatureHeaderFor(
  secret: string,
  rawBody: string,
  timestampSeconds: number,
): Promise<string> {
  return `t=${timestampSeconds},v1=${await hmacHex(secret, `${timestampSeconds}.${rawBody}`)}`;
}

/**
 * The receiver's check, for TypeScript receivers and our tests: a `v1` that matches and a
 * timestamp within the tolerance of `nowSeconds`.
 */
export async function verifyWebhookSignature(
  secret: string,
  rawBody: string,
  header: string,
  options: { nowSeconds: number; toleranceSeconds?: number },
): Promise<boolean> {
  const parts = header.split(",").map((part) => part.trim().split("="));
  const timestamp = parts.find(([name]) => name === "t")?.[1];
  const signatures = parts.flatMap(([name, value]) => (name === "v1" && value ? [value] : []));
  if (!timestamp || !/^\d+$/.test(timestamp) || signatures.length === 0) return false;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(options.nowSeconds - Number(timestamp)) > tolerance) return false;
  const expected = await hmacHex(secret, `${timestamp}.${rawBody}`);
  return signatures.some((signature) => constantTimeEqual(signature, expected));
}

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  let hex = "";
  for (const byte of mac) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
