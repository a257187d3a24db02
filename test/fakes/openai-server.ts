/**
 * A fake OpenAI-compatible upstream on 127.0.0.1 (random port) speaking the exact wire format:
 * JSON completions, SSE streams (`data: {...}\n\n`, the `choices: []` usage chunk only when the
 * request asked for `stream_options.include_usage`, `data: [DONE]`), OpenAI error bodies.
 *
 * Tests script what the next requests get and read back what was sent. Nothing here waits on
 * time: a behaviour that must pause ("slow first byte", "hold the stream") waits until the test
 * calls `release()`, so tests synchronise on events, never on sleeps.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
}

export interface FakeToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ReplyShape {
  /** Answer text; streamed as one chunk per entry of `deltas` (default: "Hello" ", world"). */
  deltas?: string[];
  toolCalls?: FakeToolCall[];
  finishReason?: string;
  /** Reported usage; null sends none (a stream then has no usage chunk). */
  usage?: FakeUsage | null;
  /** Wait for `release()` before sending anything, headers included. */
  holdFirstByte?: boolean;
}

export type FakeBehaviour =
  | ({ kind: "complete" } & ReplyShape)
  | ({
      kind: "stream";
      /** After this many chunks, wait for `release()` before sending the rest. */
      holdAfter?: number;
      /** After this many chunks, send `data: {not json` as the next event. */
      malformedAfter?: number;
      /** After this many chunks, close the connection without ending the response. */
      disconnectAfter?: number;
      /** After `data: [DONE]`, send this and wait for `release()` before ending the body. */
      afterDone?: string;
    } & ReplyShape)
  | {
      kind: "error";
      status: number;
      message?: string;
      type?: string;
      code?: string | null;
      headers?: Record<string, string>;
      /** Send this body verbatim instead of the OpenAI error object. */
      rawBody?: string;
    }
  /** Send a recorded SSE body verbatim, in small pieces (fixture replay). */
  | { kind: "raw-sse"; body: string; pieceBytes?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined if it was not JSON). */
  body: unknown;
  /** Settles when the connection closes; `aborted` when it closed before the answer ended. */
  closed: Promise<{ aborted: boolean }>;
  /** Whether the TCP connection this request came on is still open (kept alive for reuse). */
  connectionOpen(): boolean;
}

export interface FakeOpenAI {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
  requests: RecordedRequest[];
  /** What the next requests get, in order; the last one repeats. */
  script(...behaviours: FakeBehaviour[]): void;
  /** Lets every held answer continue. */
  release(): void;
  close(): Promise<void>;
}

const CREATED = 1_700_000_000;
const DEFAULT_USAGE: FakeUsage = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 };

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  let queue: FakeBehaviour[] = [{ kind: "complete" }];
  let gate = openGate();

  const server = createServer({ noDelay: true }, (req, res) => {
    const behaviour = queue.length > 1 ? (queue.shift() as FakeBehaviour) : queue[0];
    void handle(req, res, behaviour ?? { kind: "complete" });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, behaviour: FakeBehaviour) {
    const text = await readBody(req);
    const body = parseJson(text);
    const closed = new Promise<{ aborted: boolean }>((resolve) =>
      res.on("close", () => resolve({ aborted: !res.writableFinished })),
    );
    requests.push({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body,
      closed,
      connectionOpen: () => !req.socket.destroyed,
    });
    const model = modelOf(body);
    const held = () => gate.promise;
    switch (behaviour.kind) {
      case "error":
        return sendError(res, behaviour);
      case "complete":
        if (behaviour.holdFirstByte) await held();
        return sendJson(res, 200, completion(model, behaviour));
      case "stream":
        if (behaviour.holdFirstByte) await held();
        return sendStream(res, streamEvents(model, behaviour, includeUsage(body)), behaviour, held);
      case "raw-sse":
        return sendPieces(res, behaviour.body, behaviour.pieceBytes ?? 7);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script(...behaviours) {
      if (behaviours.length > 0) queue = behaviours;
    },
    release() {
      gate.open();
      gate = openGate();
    },
    async close() {
      gate.open();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function completion(model: string, reply: ReplyShape) {
  const content = (reply.deltas ?? ["Hello", ", world"]).join("");
  const toolCalls = reply.toolCalls?.map((call) => ({
    id: call.id,
    type: "function",
    function: { name: call.name, arguments: call.arguments },
  }));
  const usage = reply.usage === undefined ? DEFAULT_USAGE : reply.usage;
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: CREATED,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: toolCalls ? null : content,
          refusal: null,
          annotations: [],
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: reply.finishReason ?? (toolCalls ? "tool_calls" : "stop"),
      },
    ],
    ...(usage ? { usage } : {}),
    service_tier: "default",
    system_fingerprint: "fp_fake",
  };
}

/** The data payloads of a stream, in OpenAI's order, without the final [DONE]. */
export function streamEvents(model: string, reply: ReplyShape, withUsage: boolean): string[] {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id: "chatcmpl-fake",
      object: "chat.completion.chunk",
      created: CREATED,
      model,
      service_tier: "default",
      system_fingerprint: "fp_fake",
      choices,
      ...(withUsage ? { usage: null } : {}),
      ...extra,
    });
  const choice = (delta: Record<string, unknown>, finish: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  const events = [chunk([choice({ role: "assistant", content: "", refusal: null })])];
  for (const text of reply.deltas ?? ["Hello", ", world"])
    events.push(chunk([choice({ content: text })]));
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    const head = {
      index,
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: "" },
    };
    events.push(chunk([choice({ tool_calls: [head] })]));
    events.push(
      chunk([choice({ tool_calls: [{ index, function: { arguments: call.arguments } }] })]),
    );
  }
  const finish = reply.finishReason ?? (reply.toolCalls?.length ? "tool_calls" : "stop");
  events.push(chunk([choice({}, finish)]));
  const usage = reply.usage === undefined ? DEFAULT_USAGE : reply.usage;
  if (withUsage && usage) events.push(chunk([], { usage }));
  return events;
}

async function sendStream(
  res: ServerResponse,
  events: string[],
  behaviour: Extract<FakeBehaviour, { kind: "stream" }>,
  held: () => Promise<void>,
) {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  res.flushHeaders();
  for (const [sent, data] of events.entries()) {
    if (sent === behaviour.holdAfter) await held();
    // end() flushes what was written, then closes the connection mid-body: the client gets the
    // chunks sent so far, then a truncated chunked body.
    if (sent === behaviour.disconnectAfter) return void res.socket?.end();
    if (sent === behaviour.malformedAfter) res.write("data: {not json\n\n");
    if (res.destroyed) return;
    res.write(`data: ${data}\n\n`);
  }
  if (behaviour.afterDone === undefined) return void res.end("data: [DONE]\n\n");
  res.write("data: [DONE]\n\n");
  res.write(behaviour.afterDone);
  await held();
  res.end();
}

function sendError(res: ServerResponse, behaviour: Extract<FakeBehaviour, { kind: "error" }>) {
  const body =
    behaviour.rawBody ??
    JSON.stringify({
      error: {
        message: behaviour.message ?? "Something went wrong.",
        type: behaviour.type ?? "invalid_request_error",
        param: null,
        code: behaviour.code ?? null,
      },
    });
  res.writeHead(behaviour.status, { "content-type": "application/json", ...behaviour.headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

/** Writes a body in small pieces so the client must reassemble events split across reads. */
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

function openGate() {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
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

function modelOf(body: unknown): string {
  if (
    typeof body === "object" &&
    body !== null &&
    "model" in body &&
    typeof body.model === "string"
  ) {
    return body.model;
  }
  return "fake-model";
}

function includeUsage(body: unknown): boolean {
  if (typeof body !== "object" || body === null || !("stream_options" in body)) return false;
  const options = body.stream_options;
  return typeof options === "object" && options !== null && "include_usage" in options
    ? options.include_usage === true
    : false;
}
