/** The Gemini adapter: the I/O between the pure request, response and stream translations. */
import { parseJsonBody, readText, sendUpstream, streamBodyOf } from "../http.ts";
import { estimateUsage } from "../tokens.ts";
import type { ChatOutcome, ProviderAdapter } from "../types.ts";
import { geminiEmbeddings } from "./embeddings.ts";
import { errorFromResponse } from "./errors.ts";
import { buildGenerateContentRequest } from "./request.ts";
import { parseGenerateContent, type ResponseDefaults } from "./response.ts";
import { streamGenerateContent } from "./stream.ts";

export const geminiAdapter: ProviderAdapter = {
  kind: "gemini",
  async chatCompletion(request, target, options): Promise<ChatOutcome> {
    const upstream = buildGenerateContentRequest(request, target);
    const response = await sendUpstream(upstream, options, target.name);
    if (!response.ok) throw await errorFromResponse(response, target);
    const defaults: ResponseDefaults = {
      id: `chatcmpl-${options.requestId}`,
      created: Math.floor(Date.now() / 1000),
      model: target.model,
      requestId: options.requestId,
    };
    if (request.stream === true) {
      const body = await streamBodyOf(response, target, options, isEventStream);
      return {
        kind: "stream",
        ...streamGenerateContent(body, { request, target, options, defaults }),
      };
    }
    const json = parseJsonBody(await readText(response, options, target.name), target.name);
    const parsed = parseGenerateContent(json, defaults, target.name);
    const usage =
      parsed.usage ??
      (await estimateUsage(request, parsed.response.choices[0]?.message.content ?? ""));
    return { kind: "complete", response: parsed.response, usage };
  },
  embeddings: geminiEmbeddings,
};

/** With `alt=sse` Google answers Server-Sent Events. */
function isEventStream(contentType: string): boolean {
  return contentType.includes("text/event-stream");
}
