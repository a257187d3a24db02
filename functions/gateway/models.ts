/** GET /v1/models: the models this key may name, in OpenAI's list shape. */
import type { Services } from "../services.ts";
import { openAIErrorResponse, toGatewayError } from "./errors.ts";
import { authenticateCaller } from "./steps/authenticate.ts";
import { modelAllowed } from "./steps/authorize.ts";

export async function handleListModels(request: Request, services: Services): Promise<Response> {
  try {
    const principal = await authenticateCaller(request.headers, services.virtualKeys);
    const available = await services.models.listModels(principal.orgId);
    const names = available.filter((name) => modelAllowed(principal.models, name));
    return Response.json({
      object: "list",
      data: names.map((id) => ({
        id,
        object: "model",
        created: 0,
        owned_by: id.slice(0, id.indexOf("/")),
      })),
    });
  } catch (error) {
    return openAIErrorResponse(toGatewayError(error), new Headers());
  }
}
