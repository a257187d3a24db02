/**
 * GET /v1/models: the models this key may name, in OpenAI's list shape. It runs the same
 * authenticate stage and model rule as a completion, so the list never offers a model the key
 * would be refused; it costs nothing and is not metered.
 */
import type { EndpointSpec } from "../pipeline.ts";
import { authenticate } from "../steps/authenticate.ts";
import { principalAllows } from "../steps/authorize.ts";

export const listModels: EndpointSpec = {
  endpoint: "/v1/models",
  metered: false,
  async stages(call) {
    const principal = await authenticate(call);
    const available = await call.services.models.listModels(principal.orgId);
    const names = available.filter((name) => principalAllows(principal, name));
    return Response.json({
      object: "list",
      data: names.map((id) => ({
        id,
        object: "model",
        created: 0,
        // `<provider>/<model>` is owned by its provider; a route alias by the org's gateway.
        owned_by: id.includes("/") ? id.slice(0, id.indexOf("/")) : "switchyard",
      })),
    });
  },
};
