/** Stage 2: the virtual key → the principal (org, team, key, agent). */
import { presentedSecret } from "../../auth/bearer.ts";
import type { Principal } from "../../auth/principal.ts";
import type { VirtualKeyAuthenticator } from "../../auth/virtual-keys.ts";
import type { CallContext } from "../call-context.ts";
import { GatewayError } from "../errors.ts";
import { readAnnotations } from "./request-context.ts";

export async function authenticateCaller(
  headers: Headers,
  keys: VirtualKeyAuthenticator,
): Promise<Principal> {
  const secret = presentedSecret(headers);
  if (!secret) {
    throw new GatewayError(
      "missing_api_key",
      "You didn't provide an API key. Send it as 'Authorization: Bearer <virtual key>'.",
    );
  }
  const result = await keys.authenticate(secret);
  if (result.ok) return result.principal;
  switch (result.reason) {
    case "revoked":
      throw new GatewayError("key_revoked", "This virtual key has been revoked.");
    case "expired":
      throw new GatewayError("key_expired", "This virtual key has expired.");
    case "unavailable":
      // A key that is not cached cannot be checked while Postgres is down; warm keys still work.
      throw new GatewayError(
        "service_unavailable",
        "Switchyard could not check your API key just now. Retry the request shortly.",
        { retryAfterSeconds: 1, cause: result.error },
      );
    default:
      // Same answer for a typo and an unknown key: nothing to learn by probing.
      throw new GatewayError("invalid_api_key", "Incorrect API key provided.");
  }
}

/** Stage 2 over the call context: the principal, then the caller's annotations for usage. */
export async function authenticate(call: CallContext): Promise<Principal> {
  const principal = await authenticateCaller(call.request.headers, call.services.virtualKeys);
  call.principal = principal;
  call.annotations = readAnnotations(call.request.headers);
  return principal;
}
