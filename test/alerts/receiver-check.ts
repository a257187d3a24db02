/**
 * How a customer's receiver checks a delivery, written independently of our signer with
 * node:crypto, as the README's example does: if the two ever disagree, the tests say so.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export function receiverAccepts(
  secret: string,
  rawBody: string,
  header: string | string[] | undefined,
  nowSeconds: number,
): boolean {
  if (typeof header !== "string") return false;
  const fields = new Map(header.split(",").map((part) => part.split("=") as [string, string]));
  const t = fields.get("t") ?? "";
  const v1 = Buffer.from(fields.get("v1") ?? "", "hex");
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  return (
    Math.abs(nowSeconds - Number(t)) <= 300 &&
    v1.length === expected.length &&
    timingSafeEqual(v1, expected)
  );
}
