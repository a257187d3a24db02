/**
 * POST /v1/embeddings: the chat pipeline's stages (DESIGN.md, "The request pipeline") for an
 * Embeddings request: parse, authenticate, authorise the model, route (aliases included), reserve
 * limits and budget, call the deployments that can embed, answer; the frame in ../pipeline.ts
 * maps errors to OpenAI's shape and settles (usage record; cost = input tokens × the model's
 * input price). Guardrails and the response cache are chat's only, for now.
 */
import { floatsToBase64 } from "../../protocols/openai/embeddings.ts";
import type { EmbeddingsOutcome } from "../../providers/types.ts";
import type { CallContext } from "../call-context.ts";
import type { EndpointSpec } from "../pipeline.ts";
import { nanoUsdToUsd } from "../pricing.ts";
import { servedDeployment, switchyardHeaders } from "../respond.ts";
import { authenticate } from "../steps/authenticate.ts";
import { authorizeModel } from "../steps/authorize.ts";
import {
  embeddingDeployments,
  embedWithFallback,
  estimateEmbeddingsCall,
} from "../steps/call-embeddings.ts";
import { reserveLimits } from "../steps/limits.ts";
import { parseEmbeddingsBody } from "../steps/parse-embeddings.ts";
import { readJsonBody } from "../steps/read-body.ts";
import { orderDeployments, resolveDeployments } from "../steps/route.ts";
import { costOf } from "../steps/settle.ts";

export const embeddings: EndpointSpec = {
  endpoint: "/v1/embeddings",
  metered: true,
  async stages(call) {
    // 1. parse + validate
    const body = await readJsonBody(call.request, call.services.config.maxBodyBytes);
    const request = parseEmbeddingsBody(body);
    call.requestedModel = request.model;
    // 2. authenticate · 3. authorise
    const principal = await authenticate(call);
    authorizeModel(principal, request.model);
    // 7a. route, keeping the deployments that can embed (none: a 400 naming the model)
    const { deployments } = await resolveDeployments(call, request.model);
    const able = embeddingDeployments(request.model, deployments);
    // 4. limits: rate limits and the budget hold, priced at the dearest deployment
    const estimate = estimateEmbeddingsCall(request, able);
    await reserveLimits(call, estimate);
    // 7b–8. provider calls in the route's order, with fallback
    const ordered = await orderDeployments(call, estimate.worstUsage);
    const outcome = await embedWithFallback(
      call,
      ordered.filter((deployment) => able.includes(deployment)),
      request,
    );
    return answerEmbeddings(call, outcome, request.encoding_format === "base64");
  },
};

function answerEmbeddings(
  call: CallContext,
  outcome: EmbeddingsOutcome,
  base64: boolean,
): Response {
  const deployment = servedDeployment(call);
  const headers = switchyardHeaders(call, deployment);
  headers["content-type"] = "application/json";
  const cost = costOf(call, deployment, outcome.usage);
  headers["x-switchyard-cost-usd"] = nanoUsdToUsd(cost).toFixed(9);
  call.end = { kind: "answered", status: 200 };
  const response = {
    ...outcome.response,
    // Adapters answer floats (or the upstream's base64); the client's encoding is applied here.
    data: outcome.response.data.map((item) => ({
      ...item,
      embedding:
        base64 && Array.isArray(item.embedding) ? floatsToBase64(item.embedding) : item.embedding,
    })),
  };
  return new Response(JSON.stringify(response), { status: 200, headers });
}
