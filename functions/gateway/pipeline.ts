/**
 * POST /v1/chat/completions: the stages in order (DESIGN.md, "The request pipeline"), nothing
 * else. Each stage is a module in ./steps with one job; errors are values mapped in ./errors.ts.
 * Stages still to come (limits, guardrails, cache) slot in where their comments stand.
 */
import type { Principal } from "../auth/principal.ts";
import type { Services } from "../services.ts";
import { type GatewayError, openAIErrorResponse, toGatewayError } from "./errors.ts";
import { completionResponse, streamResponse } from "./respond.ts";
import { authenticateCaller } from "./steps/authenticate.ts";
import { authorizeModel } from "./steps/authorize.ts";
import { callWithFallback } from "./steps/call-provider.ts";
import { parseChatRequest } from "./steps/parse-chat.ts";
import { readJsonBody } from "./steps/read-body.ts";
import { readAnnotations } from "./steps/request-context.ts";
import { resolveDeployments } from "./steps/route.ts";
import { type CallFacts, costOf, usageRecordOf } from "./steps/settle.ts";

const ENDPOINT = "/v1/chat/completions";

export async function handleChatCompletions(
  request: Request,
  services: Services,
  requestId: string,
): Promise<Response> {
  const startedAt = Date.now();
  let accounted: Omit<
    CallFacts,
    "status" | "usage" | "finishedAt" | "deployment" | "attempts"
  > | null = null;
  const settle = (facts: Pick<CallFacts, "status" | "usage" | "deployment" | "attempts">) => {
    if (!accounted) return;
    const record = usageRecordOf({ ...accounted, ...facts, finishedAt: Date.now() });
    services.background.run("usage record", () => services.usage.record(record));
  };

  try {
    // 1. parse + validate
    const chat = parseChatRequest(await readJsonBody(request, services.config.maxBodyBytes));
    // 2. authenticate
    const principal: Principal = await authenticateCaller(request.headers, services.virtualKeys);
    const annotations = readAnnotations(request.headers);
    accounted = {
      requestId,
      endpoint: ENDPOINT,
      principal,
      requestedModel: chat.model,
      stream: chat.stream === true,
      startedAt,
      traceId: annotations.traceId,
      metadata: annotations.metadata,
    };
    // 3. authorise
    authorizeModel(principal, chat.model);
    // 4. limits (rate + spend reservation) · 5. input guardrails · 6. cache: later issues
    // 7. route
    const deployments = await resolveDeployments(services.models, principal, chat.model);
    // 8. provider call, with fallback across deployments
    const { outcome, deployment, attempts } = await callWithFallback(deployments, chat, {
      fetch: services.fetch,
      requestId,
      clientSignal: request.signal,
      log: services.log,
    });
    const meta = { requestId, deployment, attempts };

    if (outcome.kind === "complete") {
      // 9. output guardrails: later issue · 10. settle
      settle({ status: 200, usage: outcome.usage, deployment, attempts });
      return completionResponse(outcome.response, {
        ...meta,
        costNanoUsd: costOf(deployment, outcome.usage),
      });
    }
    return streamResponse(outcome.chunks, meta, (end) => {
      // 10. settle once the stream is over, however it ended: what was generated is billed.
      const status = end.kind === "done" ? 200 : end.kind === "cancelled" ? 499 : 502;
      settle({ status, usage: outcome.usage(), deployment, attempts });
    });
  } catch (error) {
    const gatewayError = toGatewayError(error);
    if (gatewayError.kind === "internal") {
      services.log.error("chat completion failed", { requestId, error });
    }
    settle({
      status: gatewayError.status,
      usage: null,
      deployment: null,
      attempts: attemptsOf(gatewayError),
    });
    return openAIErrorResponse(gatewayError, new Headers({ "x-request-id": requestId }));
  }
}

function attemptsOf(error: GatewayError): number {
  return Number(error.options.headers?.["x-switchyard-attempts"] ?? 0);
}
