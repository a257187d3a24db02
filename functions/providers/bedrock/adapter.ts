import { parseJsonBody, readText, sendUpstream, streamBodyOf } from "../http.ts";
import { estimateUsage } from "../tokens.ts";
import type { ChatOutcome, ProviderAdapter } from "../types.ts";
import { errorFromResponse } from "./errors.ts";
import { buildConverseRequest } from "./request.ts";
import { parseConverseResponse, type ResponseDefaults } from "./response.ts";
import { streamConverse } from "./stream.ts";

export const bedrockAdapter: ProviderAdapter = {
  kind: "bedrock",
  async chatCompletion(request, target, options): Promise<ChatOutcome> {
    const upstream = await buildConverseRequest(request, target);
    const response = await sendUpstream(upstream, options, target.name);
    if (!response.ok) throw await errorFromResponse(response, target);
    // Converse answers carry no id, model or timestamp of their own.
    const defaults: ResponseDefaults = {
      id: `chatcmpl-${options.requestId}`,
      created: Math.floor(Date.now() / 1000),
      model: target.model,
    };
    if (request.stream === true) {
      const body = await streamBodyOf(response, target, options, isEventStream);
      return { kind: "stream", ...streamConverse(body, { request, target, options, defaults }) };
    }
    const json = parseJsonBody(await readText(response, options, target.name), target.name);
    const parsed = parseConverseResponse(json, defaults, target.name);
    const usage =
      parsed.usage ??
      (await estimateUsage(request, parsed.response.choices[0]?.message.content ?? ""));
    return { kind: "complete", response: parsed.response, usage };
  },
};

/** ConverseStream answers in AWS's binary event stream, never SSE. */
function isEventStream(contentType: string): boolean {
  return contentType.includes("application/vnd.amazon.eventstream");
}
