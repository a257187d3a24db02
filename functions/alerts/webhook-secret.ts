/**
 * A webhook's signing secret: `whsec_` (the prefix receivers know from Stripe and Svix, so
 * secret scanners recognise it) and 32 random bytes in base64url, 256 bits.
 */
const SECRET_BYTES = 32;

export function mintWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `whsec_${btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}
