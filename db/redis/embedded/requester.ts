/**
 * A Requester that serves @upstash/redis from the in-process engine. Replies are turned into
 * what Upstash's REST API returns (status and bulk strings alike become JSON strings, nil
 * becomes null), so the client's JSON deserialization behaves the same as against Upstash.
 */
import { errors, type Requester, type UpstashRequest, type UpstashResponse } from "@upstash/redis";
import {
  parseRequest,
  toUpstashResponse,
  type WireResponse,
  type WireValue,
} from "../upstash-wire.ts";
import type { EmbeddedRedis } from "./engine.ts";
import { ErrorReply, isReplyArray, type Reply, StatusReply } from "./reply.ts";

/** Nested errors (inside EXEC or script arrays) have no JSON form; their message stands in. */
export function toWireValue(reply: Reply): WireValue {
  if (reply instanceof StatusReply || reply instanceof ErrorReply) return reply.message;
  if (isReplyArray(reply)) return reply.map(toWireValue);
  return reply;
}

export function toWireResponse(reply: Reply): WireResponse {
  return reply instanceof ErrorReply ? { error: reply.message } : { result: toWireValue(reply) };
}

export function createEmbeddedRequester(engine: EmbeddedRedis): Requester {
  return {
    async request<TResult>(request: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const parsed = parseRequest(request);
      if (parsed.kind === "single") {
        return toUpstashResponse(toWireResponse(engine.execute(parsed.command)));
      }
      if (parsed.kind === "pipeline") {
        return toUpstashResponse(
          parsed.commands.map((command) => toWireResponse(engine.execute(command))),
        );
      }
      const replies = engine.executeTransaction(parsed.commands);
      // Upstash answers a discarded transaction with an HTTP error, which the client throws.
      if (replies instanceof ErrorReply) throw new errors.UpstashError(replies.message);
      return toUpstashResponse(replies.map(toWireResponse));
    },
  };
}
