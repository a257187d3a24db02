/**
 * POST /v1/chat/completions: the stages in order (DESIGN.md, "The request pipeline"). Each stage
 * is a module in ../steps with one job and writes what it learned into the call context; the
 * frame in ../pipeline.ts maps errors and settles (stage 10) however the call ends.
 */

import { estimateChatCall } from "../../limits/estimate.ts";
import type { EndpointSpec } from "../pipeline.ts";
import { answerChat, answerFromCache } from "../respond.ts";
import { authenticate } from "../steps/authenticate.ts";
import { authorizeModel } from "../steps/authorize.ts";
import { lookupCache, readCacheDirective } from "../steps/cache.ts";
import { callWithFallback } from "../steps/call-provider.ts";
import { guardInput, guardOutput, withGuardrailsHeader } from "../steps/guardrails.ts";
import { reserveLimits } from "../steps/limits.ts";
import { parseChatRequest } from "../steps/parse-chat.ts";
import { readJsonBody } from "../steps/read-body.ts";
import { orderDeployments, resolveDeployments } from "../steps/route.ts";

export const chatCompletions: EndpointSpec = {
  endpoint: "/v1/chat/completions",
  metered: true,
  async stages(call) {
    // 1. parse + validate
    const body = await readJsonBody(call.request, call.services.config.maxBodyBytes);
    const chat = parseChatRequest(body);
    call.requestedModel = chat.model;
    call.stream = chat.stream === true;
    readCacheDirective(call);
    // 2. authenticate · 3. authorise
    const principal = await authenticate(call);
    authorizeModel(principal, chat.model);
    // 7a. route: which deployments may serve it (cached, no I/O when warm). Before the limits,
    // because the budget hold is priced at the dearest of them.
    const { deployments } = await resolveDeployments(call, chat.model);
    // 4. limits: rate limits, concurrency and budget holds, one Redis round trip
    const estimate = estimateChatCall(chat, deployments);
    await reserveLimits(call, estimate);
    // 5. input guardrails: flag, redact (the provider sees placeholders) or block
    await guardInput(call, chat);
    // 6. response cache: a stored answer ends the call here, with no provider call
    const cached = await lookupCache(call, chat);
    if (cached) return withGuardrailsHeader(call, answerFromCache(call, cached, chat));
    // 7b–8. provider call with fallback · 9. output guardrails (restore, flag, redact, block)
    const ordered = await orderDeployments(call, estimate.worstUsage);
    const outcome = await callWithFallback(call, ordered, chat);
    return withGuardrailsHeader(call, answerChat(call, guardOutput(call, outcome)));
  },
};
