/**
 * A fake Anthropic Messages API on 127.0.0.1 (random port) speaking the exact wire format:
 * `POST /v1/messages` answers a message object, or with `"stream": true` the full SSE sequence
 * (`event: <type>` + `data: {...}`: message_start, content_block_start/delta/stop per block with
 * text_delta and input_json_delta pieces, ping, message_delta with the stop reason and usage,
 * message_stop), and Anthropic's error bodies (`{"type":"error","error":{type,message}}`).
 * Like the real API it refuses a request without `x-api-key` (401) or `anthropic-version` (400).
 *
 * Tests script what the next requests get and read back what was sent. Nothing waits on time.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeAnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export interface FakeToolUse {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

interface ReplyShape {
  /** Text, streamed one delta per entry (default: "Hello" ", world"); [] for no text block. */
  deltas?: string[];
  toolUses?: FakeToolUse[];
  stopReason?: string;
  usage?: FakeAnthropicUsage;
}

export type FakeAnthropicBehaviour =
  | ({ kind: "complete" } & ReplyShape)
  | ({
      kind: "stream";
      /** After this many events, send an `error` event (overloaded) and end the stream. */
      errorAfter?: number;
      /** After this many events, send `data: {not json` as the next event. */
      malformedAfter?: number;
      /** After this many events, close the connection without ending the response. */
      disconnectAfter?: number;
      /** After message_stop, wait for `releaseEnds()` before ending the body. */
      holdEnd?: boolean;
    } & ReplyShape)
  | { kind: "error"; status: number; type: string; message: string }
  /** Send a recorded SSE body verbatim, in small pieces (fixture replay). */
  | { kind: "raw-sse"; body: string; pieceBytes?: number };

export interface AnthropicRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Whether the TCP connection this request came on is still open (kept alive for reuse). */
  connectionOpen(): boolean;
}

export interface FakeAnthropic {
  /** The host root, as Anthropic's SDK and our provider records take it (no /v1). */
  baseUrl: string;
  requests: AnthropicRecordedRequest[];
  script(...behaviours: FakeAnthropicBehaviour[]): void;
  /** Ends every body held by `holdEnd`. */
  releaseEnds(): void;
  close(): Promise<void>;
}

export const FAKE_ANTHROPIC_USAGE: FakeAnthropicUsage = { input_tokens: 14, output_tokens: 5 };

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const requests: AnthropicRecordedRequest[] = [];
  let queue: FakeAnthropicBehaviour[] = [{ kind: "complete" }];

  let heldEnds: Array<() => void> = [];
  const server = createServer({ noDelay: true }, (req, res) => {
    const behaviour = queue.length > 1 ? queue.shift() : queue[0];
    void handle(req, res, behaviour ?? { kind: "complete" });
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    behaviour: FakeAnthropicBehaviour,
  ) {
    const body = parseJson(await readBody(req));
    requests.push({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body,
      connectionOpen: () => !req.socket.destroyed,
    });
    if (req.method !== "POST" || req.url !== "/v1/messages") {
      return sendError(res, 404, "not_found_error", `Not found: ${req.method} ${req.url}`);
    }
    if (!req.headers["x-api-key"]) {
      return sendError(res, 401, "authentication_error", "x-api-key header is required");
    }
    if (!req.headers["anthropic-version"]) {
      return sendError(res, 400, "invalid_request_error", "anthropic-version: header is required");
    }
    const requested = fieldOf(body, "model");
    const model = typeof requested === "string" ? requested : "claude-fake";
    switch (behaviour.kind) {
      case "error":
        return sendError(res, behaviour.status, behaviour.type, behaviour.message);
      case "raw-sse":
        return sendPieces(res, behaviour.body, behaviour.pieceBytes ?? 7);
      case "complete":
        if (fieldOf(body, "stream") === true)
          return sendStream(res, streamEvents(model, behaviour), {});
        return sendJson(res, 200, message(model, behaviour));
      case "stream": {
        const ended = behaviour.holdEnd
          ? new Promise<void>((resolve) => heldEnds.push(resolve))
          : undefined;
        return sendStream(res, streamEvents(model, behaviour), { ...behaviour, ended });
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    script(...behaviours) {
      if (behaviours.length > 0) queue = behaviours;
    },
    releaseEnds() {
      for (const end of heldEnds) end();
      heldEnds = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function usageOf(reply: ReplyShape) {
  return {
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...(reply.usage ?? FAKE_ANTHROPIC_USAGE),
    service_tier: "standard",
  };
}

function stopReasonOf(reply: ReplyShape): string {
  return reply.stopReason ?? (reply.toolUses?.length ? "tool_use" : "end_turn");
}

function message(model: string, reply: ReplyShape) {
  const text = (reply.deltas ?? ["Hello", ", world"]).join("");
  return {
    id: "msg_fake01",
    type: "message",
    role: "assistant",
    model,
    content: [
      ...(text === "" ? [] : [{ type: "text", text }]),
      ...(reply.toolUses ?? []).map((tool) => ({ type: "tool_use", ...tool })),
    ],
    stop_reason: stopReasonOf(reply),
    stop_sequence: null,
    usage: usageOf(reply),
  };
}

/** The stream's events as [event name, data], in Anthropic's order. */
function streamEvents(model: string, reply: ReplyShape): Array<[string, unknown]> {
  const usage = usageOf(reply);
  const events: Array<[string, unknown]> = [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id: "msg_fake01",
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      },
    ],
  ];
  let index = 0;
  const deltas = reply.deltas ?? ["Hello", ", world"];
  if (deltas.length > 0) {
    events.push([
      "content_block_start",
      { type: "content_block_start", index, content_block: { type: "text", text: "" } },
    ]);
    events.push(["ping", { type: "ping" }]);
    for (const text of deltas) {
      events.push([
        "content_block_delta",
        { type: "content_block_delta", index, delta: { type: "text_delta", text } },
      ]);
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
    index++;
  }
  for (const tool of reply.toolUses ?? []) {
    events.push([
      "content_block_start",
      {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: tool.id, name: tool.name, input: {} },
      },
    ]);
    // The input in two pieces, split mid-token, as the real API splits it.
    const json = JSON.stringify(tool.input);
    const cut = Math.floor(json.length / 2);
    for (const partial of ["", json.slice(0, cut), json.slice(cut)]) {
      events.push([
        "content_block_delta",
        {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: partial },
        },
      ]);
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
    index++;
  }
  events.push([
    "message_delta",
    {
      type: "message_delta",
      delta: { stop_reason: stopReasonOf(reply), stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    },
  ]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events;
}

async function sendStream(
  res: ServerResponse,
  events: Array<[string, unknown]>,
  options: {
    errorAfter?: number;
    malformedAfter?: number;
    disconnectAfter?: number;
    /** Settles when the body may end (after its last event); absent: at once. */
    ended?: Promise<void>;
  },
) {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  res.flushHeaders();
  for (const [sent, [name, data]] of events.entries()) {
    if (sent === options.disconnectAfter) return void res.socket?.end();
    if (sent === options.malformedAfter)
      res.write("event: content_block_delta\ndata: {not json\n\n");
    if (sent === options.errorAfter) {
      const error = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
      return void res.end(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
    }
    if (res.destroyed) return;
    res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }
  await options.ended;
  res.end();
}

function sendError(res: ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, { "content-type": "application/json", "request-id": "req_fake_error" });
  res.end(JSON.stringify({ type: "error", error: { type, message } }));
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

async function sendPieces(res: ServerResponse, body: string, pieceBytes: number) {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  const bytes = Buffer.from(body, "utf8");
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
    if (!res.write(bytes.subarray(offset, offset + pieceBytes))) {
      await new Promise<void>((resolve) => res.once("drain", resolve));
    }
  }
  res.end();
}

/** A recorded Anthropic fixture (one event's JSON per line) as the SSE body the API sent. */
export function anthropicSse(lines: readonly string[]): string {
  return lines
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const type = (JSON.parse(line) as { type: string }).type;
      return `event: ${type}\ndata: ${line}\n\n`;
    })
    .join("");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function fieldOf(body: unknown, field: string): unknown {
  return typeof body === "object" && body !== null ? Reflect.get(body, field) : undefined;
}
