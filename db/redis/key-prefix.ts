/**
 * Every key a client sends gets one prefix, whatever the command: a Vercel preview deployment
 * writes `preview:<deployment>:sy:…` and so never reads or moves production's counters, though
 * both share one Redis. It sits under the @upstash/redis client (a Requester decorator), so it
 * covers all three transports (Upstash REST, TCP, embedded) and every caller, Lua scripts' KEYS
 * included, without any caller knowing.
 *
 * Which arguments are keys comes from @ioredis/commands (the command table ioredis itself uses for
 * its keyPrefix option), so EVAL/EVALSHA's numkeys and multi-key commands are read correctly.
 * SCAN and KEYS take a pattern and answer key names: the pattern is prefixed and the names come
 * back without it. A command the table does not know is refused rather than sent unprefixed.
 */
import { exists, getKeyIndexes } from "@ioredis/commands";
import type { Requester, UpstashRequest, UpstashResponse } from "@upstash/redis";
import {
  parseRequest,
  toUpstashResponse,
  type WireResponse,
  type WireValue,
} from "./upstash-wire.ts";

type Restore = (response: WireResponse) => WireResponse;

interface Rewritten {
  argv: string[];
  restore: Restore;
}

const unchanged: Restore = (response) => response;

/** The requester, with `prefix` put before every key it sends; "" leaves it as it is. */
export function prefixKeys(inner: Requester, prefix: string): Requester {
  if (prefix === "") return inner;
  const strip = (value: WireValue): WireValue =>
    typeof value === "string" && value.startsWith(prefix) ? value.slice(prefix.length) : value;
  const stripNames: Restore = (response) =>
    "result" in response && Array.isArray(response.result)
      ? { result: response.result.map(strip) }
      : response;
  const stripScan: Restore = (response) => {
    if (!("result" in response) || !Array.isArray(response.result)) return response;
    const [cursor, names] = response.result;
    return { result: [cursor ?? "0", Array.isArray(names) ? names.map(strip) : []] };
  };

  function rewrite(command: readonly string[]): Rewritten {
    const [name = "", ...args] = command;
    const lower = name.toLowerCase();
    if (lower === "scan") {
      const at = args.findIndex((arg) => arg.toLowerCase() === "match");
      const scanned =
        at >= 0 && at + 1 < args.length
          ? args.map((arg, index) => (index === at + 1 ? escapeGlob(prefix) + arg : arg))
          : [...args, "MATCH", `${escapeGlob(prefix)}*`];
      return { argv: [name, ...scanned], restore: stripScan };
    }
    if (lower === "keys") {
      return { argv: [name, escapeGlob(prefix) + (args[0] ?? "*")], restore: stripNames };
    }
    if (!exists(lower)) {
      throw new Error(`Redis key prefix: unknown command ${name}; its keys cannot be prefixed`);
    }
    const keyAt = new Set(getKeyIndexes(lower, args));
    const prefixed = args.map((arg, index) => (keyAt.has(index) ? prefix + arg : arg));
    return { argv: [name, ...prefixed], restore: unchanged };
  }

  return {
    get readYourWrites() {
      return inner.readYourWrites;
    },
    set readYourWrites(value) {
      inner.readYourWrites = value;
    },
    get upstashSyncToken() {
      return inner.upstashSyncToken;
    },
    set upstashSyncToken(value) {
      inner.upstashSyncToken = value;
    },
    async request<TResult>(request: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const parsed = parseRequest(request);
      if (parsed.kind === "single") {
        const sent = rewrite(parsed.command);
        const response = await inner.request<WireValue>({ ...request, body: sent.argv });
        return toUpstashResponse(sent.restore(response as WireResponse));
      }
      const sent = parsed.commands.map(rewrite);
      const responses = (await inner.request({
        ...request,
        body: sent.map((command) => command.argv),
      })) as unknown as WireResponse[];
      return toUpstashResponse(
        responses.map((response, index) => sent[index]?.restore(response) ?? response),
      );
    },
  };
}

/** A prefix is a literal inside a SCAN pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
