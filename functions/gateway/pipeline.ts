/**
 * The frame every gateway endpoint runs in. An endpoint (./endpoints/*) lists its stages in order
 * as plain calls over one CallContext; this frame maps whatever they throw to the one error
 * response (./errors.ts) and settles the call in one `finally`, however it ended: answered,
 * refused, failed upstream, or (for a stream) when the stream itself ends.
 */
import { type CallContext, newCallContext } from "./call-context.ts";
import { type ErrorResponder, openAIErrorResponse, toGatewayError } from "./errors.ts";
import { type HeaderRecord, setLimitHeaders } from "./limit-headers.ts";
import { settleCall } from "./steps/settle.ts";

export type EndpointStages = (call: CallContext) => Promise<Response>;

export interface EndpointSpec {
  /** The public path, stored with usage records. */
  endpoint: string;
  /** Whether the call is accounted (usage record, and later limits and budgets). */
  metered: boolean;
  stages: EndpointStages;
  /** The endpoint's error shape; OpenAI's unless its protocol has its own (Anthropic's). */
  errorResponse?: ErrorResponder;
}

/** Every answer runEndpoint returns, success or error, carries the call's x-request-id. */
export async function runEndpoint(
  spec: EndpointSpec,
  request: Request,
  services: CallContext["services"],
  requestId: string,
): Promise<Response> {
  const call = newCallContext({
    requestId,
    endpoint: spec.endpoint,
    request,
    services,
    metered: spec.metered,
  });
  try {
    const response = await spec.stages(call);
    if (!call.streaming) call.end ??= { kind: "answered", status: response.status };
    return response;
  } catch (thrown) {
    const error = toGatewayError(thrown);
    if (error.kind === "internal") {
      services.log.error("gateway call failed", {
        requestId,
        endpoint: spec.endpoint,
        error: thrown,
      });
    }
    call.streaming = false;
    call.end = { kind: "failed", error };
    const headers: HeaderRecord = { "x-request-id": requestId };
    if (call.attempts.length > 0) headers["x-switchyard-attempts"] = String(call.attempts.length);
    setLimitHeaders(headers, call.limits);
    return (spec.errorResponse ?? openAIErrorResponse)(error, new Headers(headers));
  } finally {
    // A stream in flight settles when it ends (see ../respond.ts); everything else settles now.
    if (!call.streaming) settleCall(call);
  }
}
