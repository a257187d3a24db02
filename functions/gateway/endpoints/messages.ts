/**
 * POST /v1/messages: the Anthropic Messages API in front of the same stages as
 * ./chat-completions.ts. The body is validated as Anthropic's and translated into the canonical
 * chat request (functions/protocols/anthropic/), which routing, limits, the cache and every
 * adapter already take; the answer is translated back. Errors keep Anthropic's shape.
 *
 * A deployment that speaks Anthropic's protocol gets the client's request untranslated instead
 * (passthrough: only the model and auth rewritten, so `cache_control`, thinking, `top_k` and
 * `anthropic-beta` reach it) and its answer's bytes go back unchanged. Not when guardrails apply
 * to the call: they scan and redact the canonical request and answer, which passthrough skips.
 */
import { estimateChatCall } from "../../limits/estimate.ts";
import type { ChatCompletionRequest } from "../../protocols/openai/chat.ts";
import type { NativeRequest } from "../../providers/types.ts";
import type { CallContext } from "../call-context.ts";
import { anthropicErrorResponse } from "../errors.ts";
import type { EndpointSpec } from "../pipeline.ts";
import {
  answerMessages,
  answerMessagesFromCache,
  answerNativeMessages,
} from "../respond-messages.ts";
import { authenticate } from "../steps/authenticate.ts";
import { authorizeModel } from "../steps/authorize.ts";
import { lookupCache, readCacheDirective } from "../steps/cache.ts";
import { callWithFallback } from "../steps/call-provider.ts";
import { guardInput, guardOutput, withGuardrailsHeader } from "../steps/guardrails.ts";
import { reserveLimits } from "../steps/limits.ts";
import { parseAnthropicRequest } from "../steps/parse-messages.ts";
import { readJsonBody } from "../steps/read-body.ts";
import { orderDeployments, resolveDeployments } from "../steps/route.ts";

export const messages: EndpointSpec = {
  endpoint: "/v1/messages",
  metered: true,
  errorResponse: anthropicErrorResponse,
  async stages(call) {
    // 1. parse + validate (as Anthropic's request), translate to the canonical request
    const body = await readJsonBody(call.request, call.services.config.maxBodyBytes);
    const { messages: request, chat } = parseAnthropicRequest(body);
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
    // 5. input guardrails, on the canonical request the provider will see
    await guardInput(call, chat);
    // 6. response cache
    const cached = await lookupCache(call, chat);
    if (cached) return withGuardrailsHeader(call, answerMessagesFromCache(call, cached, request));
    // 7b–8. provider call with fallback · 9. output guardrails
    const ordered = await orderDeployments(call, estimate.worstUsage);
    const native = call.guardrails === null ? nativeRequestOf(call, body, chat) : null;
    const outcome = await callWithFallback(call, ordered, chat, native);
    if ("native" in outcome) return answerNativeMessages(call, outcome);
    return withGuardrailsHeader(call, answerMessages(call, guardOutput(call, outcome), request));
  },
};

/** Client headers of Anthropic's protocol that a passed-through request carries upstream. */
const FORWARDED_HEADERS = ["anthropic-version", "anthropic-beta"] as const;

function nativeRequestOf(
  call: CallContext,
  body: unknown,
  chat: ChatCompletionRequest,
): NativeRequest | null {
  // parseAnthropicRequest has validated it as a Messages request, so an object.
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = call.request.headers.get(name);
    if (value) headers[name] = value;
  }
  return { protocol: "anthropic-messages", body: body as Record<string, unknown>, headers, chat };
}
