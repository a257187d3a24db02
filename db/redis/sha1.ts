import { createHash } from "node:crypto";

/** SHA1 hex of a script as Redis computes it for EVALSHA (over the UTF-8 bytes). */
export function sha1Hex(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}
