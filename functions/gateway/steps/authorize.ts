/**
 * Stage 3: may this principal use this model? A key's `models` list holds exact names
 * (`mock/echo`, an alias) or provider wildcards (`openai/*`); `*` or no list allows all.
 * Under a delegation grant the model must also be allowed by every grant of the chain
 * (key ∩ grant₁ ∩ … ∩ grantₙ). Team lists narrow this further in a later issue.
 */
import type { Principal } from "../../auth/principal.ts";
import { GatewayError } from "../errors.ts";

export function authorizeModel(principal: Principal, model: string): void {
  if (!modelAllowed(principal.models, model)) {
    throw new GatewayError("model_not_allowed", `This key may not use the model '${model}'.`, {
      param: "model",
    });
  }
  if (!grantsAllow(principal, model)) {
    throw new GatewayError(
      "model_not_allowed",
      `The delegation grant does not allow the model '${model}'.`,
      { param: "model" },
    );
  }
}

/** Whether every grant of the principal's chain allows the model (true without a chain). */
export function grantsAllow(principal: Principal, model: string): boolean {
  return (principal.delegation?.grants ?? []).every((grant) => modelAllowed(grant.models, model));
}

/** The key's list and the chain's lists together: what GET /v1/models offers. */
export function principalAllows(principal: Principal, model: string): boolean {
  return modelAllowed(principal.models, model) && grantsAllow(principal, model);
}

export function modelAllowed(allowed: readonly string[] | null, model: string): boolean {
  if (allowed === null) return true;
  return allowed.some(
    (entry) =>
      entry === "*" ||
      entry === model ||
      (entry.endsWith("/*") && model.startsWith(entry.slice(0, -1))),
  );
}
