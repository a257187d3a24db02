import { parseJsonBody, readText, sendUpstream, streamBodyOf } from "../http.ts";
import { estimateUsage } from "../tokens.ts";
import type { ChatOutcome, ProviderAdapter } from "../types.ts";
import { errorFromResponse } from "../upstream-error.ts";
import { jsonToolName } from "./json-output.ts";
import { anthropicPassthrough } from "./native.ts";
import { buildMessagesRequest } from "./request.ts";
import { parseMessage, type ResponseDefaults } from "./response.ts";
import { streamMessages } from "./stream.ts";

export const anthropicAdapter: ProviderAdapter = {
  kind: "anthropic",
  native: anthropicPassthrough,
  async chatCompletion(request, target, options): Promise<ChatOutcome> {
    const upstream = buildMessagesRequest(request, target);
    const response = await sendUpstream(upstream, options, target.name);
    if (!response.ok) throw await errorFromResponse(response, target);
    const defaults: ResponseDefaults = {
      id: `chatcmpl-${options.requestId}`,
      created: Math.floor(Date.now() / 1000),
      model: target.model,
      jsonTool: jsonToolName(request),
    };
    if (request.stream === true) {
      const body = await streamBodyOf(response, target, options, isEventStream);
      return { kind: "stream", ...streamMessages(body, { request, target, options, defaults }) };
    }
    const json = parseJsonBody(await readText(response, options, target.name), target.name);
    const parsed = parseMessage(json, defaults, target.name);
    const usage =
      parsed.usage ??
      (await estimateUsage(request, parsed.response.choices[0]?.message.content ?? ""));
    return { kind: "complete", response: parsed.response, usage };
  },
};

/** Anthropic streams only as Server-Sent Events. */
function isEventStream(contentType: string): boolean {
  return contentType.includes("text/event-stream");
}
