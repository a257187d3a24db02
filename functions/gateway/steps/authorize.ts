/**
 * Stage 3: may this principal use this model? A key's `models` list holds exact names
 * (`mock/echo`, an alias) or provider wildcards (`openai/*`); `*` or no list allows all.
 * Team and delegation-grant lists narrow this further in later issues.
 */
import type { Principal } from "../../auth/principal.ts";
import { GatewayError } from "../errors.ts";

export function authorizeModel(principal: Principal, model: string): void {
  if (!modelAllowed(principal.models, model)) {
    throw new GatewayError("model_not_allowed", `This key may not use the model '${model}'.`, {
      param: "model",
    });
  }
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
