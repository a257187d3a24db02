/** Stage 1b of /v1/embeddings: the body must be an Embeddings request; the error names the field. */
import {
  type EmbeddingsRequest,
  parseEmbeddingsRequest,
} from "../../protocols/openai/embeddings.ts";
import { GatewayError } from "../errors.ts";

export function parseEmbeddingsBody(body: unknown): EmbeddingsRequest {
  const parsed = parseEmbeddingsRequest(body);
  if (!parsed.ok) {
    throw new GatewayError("invalid_request", parsed.problem.message, {
      param: parsed.problem.param,
    });
  }
  return parsed.value;
}
