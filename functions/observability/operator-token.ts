/**
 * The Bearer check of the operator routes (/metrics, /cron/*): each is protected by its own
 * shared secret from the environment, compared in constant time, and closed when none is set.
 */
import { presentedSecret } from "../auth/bearer.ts";
import { constantTimeEqual, type Keyring } from "../security/keyring.ts";

export async function presentsToken(
  request: Request,
  expected: string | undefined,
  keyring: Keyring,
): Promise<boolean> {
  const presented = presentedSecret(request.headers);
  if (!expected || !presented) return false;
  // Hash both sides first: equal lengths, so the comparison's time says nothing of the secret.
  const [left, right] = await Promise.all([
    keyring.hashSecret(presented),
    keyring.hashSecret(expected),
  ]);
  return constantTimeEqual(left, right);
}

export function unauthorized(realm: string): Response {
  return Response.json(
    { error: { message: `This route needs the ${realm} Bearer token.`, code: "unauthorized" } },
    { status: 401, headers: { "www-authenticate": `Bearer realm="${realm}"` } },
  );
}
