/**
 * Stage 1b of `POST /v1/messages`: the body must be an Anthropic Messages request the gateway can
 * translate into its canonical chat request; the error names the field at fault.
 */
import {
  type ParsedMessagesRequest,
  parseMessagesRequest,
} from "../../protocols/anthropic/parse-messages-request.ts";
import { GatewayError } from "../errors.ts";

export function parseAnthropicRequest(body: unknown): ParsedMessagesRequest {
  const parsed = parseMessagesRequest(body);
  if (!parsed.ok) {
    throw new GatewayError("invalid_request", parsed.problem.message, {
      param: parsed.problem.param,
    });
  }
  return parsed.value;
}
