/**
 * POST /v1/responses: the OpenAI Responses API in front of the same stages as
 * ./chat-completions.ts, over any provider. The body is validated as a Responses request and
 * translated into the canonical chat request (functions/protocols/openai-responses/); the answer
 * is translated back into a `response` object or its event stream. Errors keep OpenAI's shape.
 * Stateless: `previous_response_id` and `store: true` are refused (a 400 naming the parameter).
 */
import { estimateChatCall } from "../../limits/estimate.ts";
import { parseResponsesRequest } from "../../protocols/openai-responses/request.ts";
import { GatewayError } from "../errors.ts";
import type { EndpointSpec } from "../pipeline.ts";
import { answerResponses, answerResponsesFromCache } from "../respond-responses.ts";
import { authenticate } from "../steps/authenticate.ts";
import { authorizeModel } from "../steps/authorize.ts";
import { lookupCache, readCacheDirective } from "../steps/cache.ts";
import { callWithFallback } from "../steps/call-provider.ts";
import { guardInput, guardOutput, withGuardrailsHeader } from "../steps/guardrails.ts";
import { reserveLimits } from "../steps/limits.ts";
import { readJsonBody } from "../steps/read-body.ts";
import { orderDeployments, resolveDeployments } from "../steps/route.ts";

export const responses: EndpointSpec = {
  endpoint: "/v1/responses",
  metered: true,
  async stages(call) {
    // 1. parse + validate (as a Responses request), translate to the canonical request
    const body = await readJsonBody(call.request, call.services.config.maxBodyBytes);
    const parsed = parseResponsesRequest(body);
    if (!parsed.ok) {
      throw new GatewayError("invalid_request", parsed.problem.message, {
        param: parsed.problem.param,
      });
    }
    const { responses: request, chat } = parsed.value;
    call.requestedModel = chat.model;
    call.stream = chat.stream === true;
    readCacheDirective(call);
    // 2. authenticate · 3. authorise
    const principal = await authenticate(call);
    authorizeModel(principal, chat.model);
    // 7a. route, before the limits: the budget hold is priced at the dearest deployment
    const { deployments } = await resolveDeployments(call, chat.model);
    // 4. limits
    const estimate = estimateChatCall(chat, deployments);
    await reserveLimits(call, estimate);
    // 5. input guardrails
    await guardInput(call, chat);
    // 6. response cache
    const cached = await lookupCache(call, chat);
    if (cached) return withGuardrailsHeader(call, answerResponsesFromCache(call, cached, request));
    // 7b–8. provider call with fallback · 9. output guardrails
    const ordered = await orderDeployments(call, estimate.worstUsage);
    const outcome = await callWithFallback(call, ordered, chat);
    return withGuardrailsHeader(call, answerResponses(call, guardOutput(call, outcome), request));
  },
};
