/**
 * POST {base}/embeddings on an OpenAI-compatible upstream: the client's request passed through
 * with the deployment's model (nulls removed, the preset's renames and drops applied), the answer
 * validated and returned in OpenAI's shape, base64 included when the client asked for it. Azure
 * reuses it with its deployment path.
 */
import { z } from "zod";
import {
  type EmbeddingsRequest,
  type EmbeddingsResponse,
  embeddingInputs,
} from "../../protocols/openai/embeddings.ts";
import { countEmbeddingTokens, embeddingUsage } from "../embedding-usage.ts";
import { ProviderError } from "../errors.ts";
import { parseJsonBody, readText, sendUpstream, type UpstreamRequest } from "../http.ts";
import type { CallOptions, EmbeddingsOutcome, ProviderTarget } from "../types.ts";
import { errorFromResponse } from "./errors.ts";
import type { OpenAICompatiblePreset } from "./presets.ts";
import { buildChatRequest } from "./request.ts";

const upstreamEmbeddingsSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      index: z.number().int().min(0).nullish(),
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  model: z.string().nullish(),
  usage: z
    .looseObject({
      prompt_tokens: z.number().int().min(0).nullish(),
      total_tokens: z.number().int().min(0).nullish(),
    })
    .nullish(),
});

/** The embeddings body: the client's request for `model`, as the chat body is built. */
export function embeddingsBody(
  request: EmbeddingsRequest,
  model: string,
  preset: Pick<OpenAICompatiblePreset, "renameParams" | "dropParams">,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (value !== null && value !== undefined) body[key] = value;
  }
  body.model = model;
  for (const [from, to] of Object.entries(preset.renameParams ?? {})) {
    if (!(from in body)) continue;
    if (!(to in body)) body[to] = body[from];
    delete body[from];
  }
  for (const key of preset.dropParams ?? []) delete body[key];
  return body;
}

/** The chat request's address and headers, at `/embeddings` instead. */
export function buildEmbeddingsRequest(
  request: EmbeddingsRequest,
  target: ProviderTarget,
  preset: OpenAICompatiblePreset,
): UpstreamRequest {
  const chat = buildChatRequest({ model: target.model, messages: [] }, target, preset);
  return {
    ...chat,
    path: "/embeddings",
    headers: { ...chat.headers, accept: "application/json" },
    body: JSON.stringify(embeddingsBody(request, target.model, preset)),
  };
}

export async function callOpenAIEmbeddings(
  upstream: UpstreamRequest,
  request: EmbeddingsRequest,
  target: ProviderTarget,
  options: CallOptions,
): Promise<EmbeddingsOutcome> {
  const response = await sendUpstream(upstream, options, target.name);
  if (!response.ok) throw await errorFromResponse(response, target);
  const json = parseJsonBody(await readText(response, options, target.name), target.name);
  const parsed = upstreamEmbeddingsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderError({
      kind: "bad_response",
      message: `Provider '${target.name}' answered with an invalid embeddings list (${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}).`,
      status: 502,
      retryable: false,
    });
  }
  const upstreamData = parsed.data;
  const reported = upstreamData.usage?.prompt_tokens;
  const inputTokens =
    typeof reported === "number" ? reported : await countEmbeddingTokens(embeddingInputs(request));
  const answer: EmbeddingsResponse = {
    object: "list",
    data: upstreamData.data.map((item, position) => ({
      object: "embedding",
      index: item.index ?? position,
      embedding: item.embedding,
    })),
    model: upstreamData.model || target.model,
    usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
  };
  return { response: answer, usage: embeddingUsage(inputTokens, typeof reported !== "number") };
}
