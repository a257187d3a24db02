/** Stage 2: the virtual key (and a delegation grant, if presented) → the principal. */
import { presentedSecret } from "../../auth/bearer.ts";
import type { Principal } from "../../auth/principal.ts";
import type { VirtualKeyAuthenticator } from "../../auth/virtual-keys.ts";
import { auditFirstUse, auditGrantDenial } from "../../delegation/grant-audit.ts";
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

/** The header that carries a delegation grant token (DESIGN.md, "Public HTTP contract"). */
export const GRANT_HEADER = "x-switchyard-grant";

/**
 * Stage 2 over the call context: the principal, with the delegation chain it presents, then the
 * caller's annotations for usage.
 */
export async function authenticate(call: CallContext): Promise<Principal> {
  const keyPrincipal = await authenticateCaller(call.request.headers, call.services.virtualKeys);
  const token = call.request.headers.get(GRANT_HEADER)?.trim();
  const principal = token ? await withDelegation(call, keyPrincipal, token) : keyPrincipal;
  call.principal = principal;
  call.annotations = readAnnotations(call.request.headers);
  return principal;
}

/**
 * The grant chain the token names, checked against the calling key. Proof of possession: a grant
 * works only with a key of the agent it was issued to, so a stolen token alone is useless, and
 * the grantor's own key cannot present it either (it has its own authority).
 */
async function withDelegation(
  call: CallContext,
  principal: Principal,
  token: string,
): Promise<Principal> {
  const resolution = await call.services.grants.resolve(token);
  if (!resolution.ok) {
    if (resolution.reason === "unavailable") {
      throw new GatewayError(
        "service_unavailable",
        "Switchyard could not check your delegation grant just now. Retry shortly.",
        { retryAfterSeconds: 1, cause: resolution.error },
      );
    }
    throw new GatewayError("invalid_grant", "The delegation grant is not valid.");
  }
  const { chain } = resolution;
  const use = {
    orgId: principal.orgId,
    keyId: principal.keyId,
    agentId: principal.agentId,
    chain,
    requestId: call.requestId,
  };
  const refuse = (kind: "grant_not_held" | "grant_revoked" | "grant_expired", message: string) => {
    const error = new GatewayError(kind, message);
    auditGrantDenial(call.services, use, {
      code: error.code,
      status: error.status,
      model: call.requestedModel,
    });
    return error;
  };
  if (principal.agentId === null || principal.agentId !== chain.granteeAgentId) {
    throw refuse(
      "grant_not_held",
      "This delegation grant was issued to another agent: present it with that agent's own key.",
    );
  }
  if (chain.revoked) throw refuse("grant_revoked", "This delegation grant has been revoked.");
  if (chain.expiresAt <= call.services.clock()) {
    throw refuse("grant_expired", "This delegation grant has expired.");
  }
  auditFirstUse(call.services, use);
  const { granteeAgentId: _grantee, revoked: _revoked, ...delegation } = chain;
  return { ...principal, delegation };
}
