/** Stage 7a: the model name → the deployments to try, in order. */
import type { Principal } from "../../auth/principal.ts";
import type { Deployment, ModelDirectory } from "../../routing/model-directory.ts";
import { GatewayError } from "../errors.ts";

export async function resolveDeployments(
  models: ModelDirectory,
  principal: Principal,
  model: string,
): Promise<Deployment[]> {
  const deployments = await models.resolve(principal.orgId, model);
  if (deployments.length === 0) {
    throw new GatewayError(
      "model_not_found",
      `The model '${model}' does not exist or is not available to this key. Use a model route alias or '<provider>/<model>'.`,
      { param: "model" },
    );
  }
  return deployments;
}
