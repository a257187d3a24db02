/**
 * A Requester that serves @upstash/redis over a plain Redis/Valkey connection (ioredis), so
 * the same client code runs against Upstash, any self-hosted Redis and the embedded engine.
 *
 * Replies are shaped as Upstash's REST API returns them: arrays stay flat (HGETALL is
 * [field, value, ...], not an object), nil is null, errors are { error }. Command names are
 * sent upper-case on purpose: ioredis applies its reply transformers (HGETALL → object) by
 * the lower-case name only, and Redis does not care about case.
 */
import { errors, type Requester, type UpstashRequest, type UpstashResponse } from "@upstash/redis";
import { type Redis as IORedis, ReplyError } from "ioredis";
import { ScriptShaMap } from "./script-sha-map.ts";
import {
  parseRequest,
  toUpstashResponse,
  type WireCommand,
  type WireResponse,
  type WireValue,
} from "./upstash-wire.ts";

/** ioredis' view of a reply: nested errors arrive as Error objects inside arrays. */
function toWireValue(value: unknown): WireValue {
  if (typeof value === "string" || typeof value === "number" || value === null) return value;
  if (Array.isArray(value)) return value.map(toWireValue);
  if (value instanceof Error) return value.message;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return value === undefined ? null : String(value);
}

function isReplyError(error: unknown): error is Error {
  return error instanceof ReplyError;
}

interface Sent {
  readonly name: string;
  readonly args: string[];
  readonly restore: (result: WireValue) => WireValue;
}

export function createTcpRequester(client: IORedis): Requester {
  const scripts = new ScriptShaMap();

  function prepare(command: WireCommand): Sent {
    const prepared = scripts.prepare(command);
    const [name = "", ...args] = prepared.argv;
    return { name: name.toUpperCase(), args, restore: prepared.restore };
  }

  /** A pipeline or transaction entry: [error, result]; only Redis' own errors become replies. */
  function settle(sent: Sent, entry: [Error | null, unknown] | undefined): WireResponse {
    const [error, result] = entry ?? [new Error("Redis returned no reply"), null];
    if (error) {
      if (isReplyError(error)) return { error: error.message };
      throw error;
    }
    return { result: sent.restore(toWireValue(result)) };
  }

  async function single(command: WireCommand): Promise<WireResponse> {
    const sent = prepare(command);
    try {
      return { result: sent.restore(toWireValue(await client.call(sent.name, ...sent.args))) };
    } catch (error) {
      if (isReplyError(error)) return { error: error.message };
      throw error;
    }
  }

  async function batch(commands: readonly WireCommand[], atomic: boolean): Promise<WireResponse[]> {
    const sent = commands.map(prepare);
    // MULTI/EXEC is sent as one write, so no other command on this connection interleaves.
    const pipeline = atomic ? client.multi() : client.pipeline();
    for (const { name, args } of sent) pipeline.call(name, ...args);
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      // EXECABORT (a command refused while queueing): Upstash answers with an HTTP error.
      if (isReplyError(error)) throw new errors.UpstashError(error.message);
      throw error;
    }
    if (!results) throw new errors.UpstashError("EXECABORT Transaction discarded");
    return sent.map((entry, i) => settle(entry, results[i]));
  }

  return {
    async request<TResult>(request: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const parsed = parseRequest(request);
      if (parsed.kind === "single") return toUpstashResponse(await single(parsed.command));
      return toUpstashResponse(await batch(parsed.commands, parsed.kind === "multi-exec"));
    },
  };
}
