/**
 * A fake Google Generative Language API on 127.0.0.1 (random port) speaking the exact wire
 * format:
 * - `POST /v1beta/models/{model}:generateContent` answers a GenerateContentResponse;
 * - `POST /v1beta/models/{model}:streamGenerateContent?alt=sse` answers `data: {json}\r\n\r\n`
 *   events, each a GenerateContentResponse with the parts since the last (text in pieces, a
 *   functionCall whole), the last with finishReason and the final usageMetadata; no end marker;
 * - `POST /v1beta/models/{model}:batchEmbedContents` answers `{"embeddings":[{"values":[...]}]}`;
 * - errors as Google's `{"error":{"code","message","status","details"}}`. Like the real API it
 *   refuses a call without `x-goog-api-key` (403) and a wrong key (400 API_KEY_INVALID).
 *
 * Tests script what the next requests get and read back what was sent. Nothing waits on time.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeGeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export interface FakeFunctionCall {
  /** Newer Gemini models number their calls; most send no id. */
  id?: string;
  name: string;
  args: Record<string, unknown>;
  thoughtSignature?: string;
}

interface ReplyShape {
  /** Text, streamed one chunk per entry (default: "Hello" ", world"); [] for none. */
  deltas?: string[];
  /** A thought summary sent before the text (a part with `thought: true`). */
  thought?: string;
  functionCalls?: FakeFunctionCall[];
  finishReason?: string;
  usage?: FakeGeminiUsage;
}

export type FakeGeminiBehaviour =
  | ({ kind: "complete" } & ReplyShape)
  | ({
      kind: "stream";
      /** After this many events, send an error object as the next event and end the stream. */
      errorAfter?: number;
      /** After this many events, send `data: {not json` as the next event. */
      malformedAfter?: number;
      /** After this many events, close the connection without ending the response. */
      disconnectAfter?: number;
    } & ReplyShape)
  | { kind: "error"; code: number; status: string; message: string; reason?: string }
  /** Send a recorded SSE body verbatim, in small pieces (fixture replay). */
  | { kind: "raw-sse"; body: string; pieceBytes?: number };

export interface GeminiRecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeGemini {
  /** The host root, as Google's SDKs and our provider records take it (no /v1beta). */
  baseUrl: string;
  requests: GeminiRecordedRequest[];
  script(...behaviours: FakeGeminiBehaviour[]): void;
  close(): Promise<void>;
}

export const FAKE_GEMINI_USAGE: FakeGeminiUsage = { promptTokenCount: 12, candidatesTokenCount: 4 };
export const FAKE_GEMINI_MODEL_VERSION = "gemini-2.5-flash";

const ROUTE =
  /^\/v1beta\/models\/([^/:?]+):(generateContent|streamGenerateContent|batchEmbedContents)(\?.*)?$/;

export async function startFakeGemini(options: { apiKey?: string } = {}): Promise<FakeGemini> {
  const requests: GeminiRecordedRequest[] = [];
  let queue: FakeGeminiBehaviour[] = [{ kind: "complete" }];

  const server = createServer({ noDelay: true }, (req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = parseJson(await readBody(req));
    requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
    const route = ROUTE.exec(req.url ?? "");
    if (req.method !== "POST" || !route) {
      return sendError(res, 404, "NOT_FOUND", `Method not found.`);
    }
    const key = req.headers["x-goog-api-key"];
    if (!key) {
      return sendError(
        res,
        403,
        "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (options.apiKey !== undefined && key !== options.apiKey) {
      return sendError(
        res,
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        "API_KEY_INVALID",
      );
    }
    const [, model = "", method, query = ""] = route;
    if (method === "batchEmbedContents") return sendJson(res, 200, embeddings(body));
    const behaviour = (queue.length > 1 ? queue.shift() : queue[0]) ?? { kind: "complete" };
    const streaming = method === "streamGenerateContent";
    if (streaming && query !== "?alt=sse") {
      // Without alt=sse Google streams a JSON array; the adapter must always ask for SSE.
      return sendError(res, 400, "INVALID_ARGUMENT", "fake: only alt=sse streams are served");
    }
    switch (behaviour.kind) {
      case "error":
        return sendError(
          res,
          behaviour.code,
          behaviour.status,
          behaviour.message,
          behaviour.reason,
        );
      case "raw-sse":
        return sendPieces(res, behaviour.body, behaviour.pieceBytes ?? 7);
      case "complete":
        if (streaming) return sendStream(res, streamChunks(model, behaviour), {});
        return sendJson(res, 200, whole(model, behaviour));
      case "stream":
        return sendStream(res, streamChunks(model, behaviour), behaviour);
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
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function usageMetadata(reply: ReplyShape, final: boolean) {
  const usage = reply.usage ?? FAKE_GEMINI_USAGE;
  const output = final ? usage.candidatesTokenCount : 0;
  return {
    promptTokenCount: usage.promptTokenCount,
    ...(final ? { candidatesTokenCount: output } : {}),
    totalTokenCount: usage.promptTokenCount + output + (usage.thoughtsTokenCount ?? 0),
    ...(usage.cachedContentTokenCount
      ? { cachedContentTokenCount: usage.cachedContentTokenCount }
      : {}),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: usage.promptTokenCount }],
    ...(usage.thoughtsTokenCount ? { thoughtsTokenCount: usage.thoughtsTokenCount } : {}),
  };
}

function callParts(reply: ReplyShape) {
  return (reply.functionCalls ?? []).map((call) => ({
    functionCall: { ...(call.id ? { id: call.id } : {}), name: call.name, args: call.args },
    ...(call.thoughtSignature ? { thoughtSignature: call.thoughtSignature } : {}),
  }));
}

function whole(_model: string, reply: ReplyShape) {
  const text = (reply.deltas ?? ["Hello", ", world"]).join("");
  return {
    candidates: [
      {
        content: {
          parts: [
            ...(reply.thought ? [{ text: reply.thought, thought: true }] : []),
            ...(text === "" ? [] : [{ text }]),
            ...callParts(reply),
          ],
          role: "model",
        },
        finishReason: reply.finishReason ?? "STOP",
        index: 0,
      },
    ],
    usageMetadata: usageMetadata(reply, true),
    modelVersion: FAKE_GEMINI_MODEL_VERSION,
    responseId: "fake-response-01",
  };
}

/** The stream's chunks, as Google sends them: usage on every chunk, final on the last. */
function streamChunks(_model: string, reply: ReplyShape): unknown[] {
  const parts: unknown[][] = [];
  if (reply.thought) parts.push([{ text: reply.thought, thought: true }]);
  for (const text of reply.deltas ?? ["Hello", ", world"]) parts.push([{ text }]);
  const calls = callParts(reply);
  if (calls.length > 0) parts.push(calls);
  if (parts.length === 0) parts.push([{ text: "" }]);
  return parts.map((chunkParts, position) => {
    const last = position === parts.length - 1;
    return {
      candidates: [
        {
          content: { parts: chunkParts, role: "model" },
          ...(last ? { finishReason: reply.finishReason ?? "STOP" } : {}),
          index: 0,
        },
      ],
      usageMetadata: usageMetadata(reply, last),
      modelVersion: FAKE_GEMINI_MODEL_VERSION,
      responseId: "fake-response-01",
    };
  });
}

/** One vector per request, derived from its text so tests can tell them apart. */
function embeddings(body: unknown) {
  const list = fieldOf(body, "requests");
  const requests = Array.isArray(list) ? list : [];
  return {
    embeddings: requests.map((request) => {
      const parts = fieldOf(fieldOf(request, "content"), "parts");
      const text = Array.isArray(parts)
        ? parts.map((part) => String(fieldOf(part, "text") ?? "")).join("")
        : "";
      const size = Number(fieldOf(request, "outputDimensionality") ?? 4);
      return { values: Array.from({ length: size }, (_, index) => (text.length + index) / 100) };
    }),
  };
}

async function sendStream(
  res: ServerResponse,
  chunks: unknown[],
  options: { errorAfter?: number; malformedAfter?: number; disconnectAfter?: number },
) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
  for (const [sent, chunk] of chunks.entries()) {
    if (sent === options.disconnectAfter) return void res.socket?.end();
    if (sent === options.malformedAfter) res.write("data: {not json\r\n\r\n");
    if (sent === options.errorAfter) {
      const error = {
        error: {
          code: 503,
          message: "The model is overloaded. Please try again later.",
          status: "UNAVAILABLE",
        },
      };
      return void res.end(`data: ${JSON.stringify(error)}\r\n\r\n`);
    }
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
  }
  res.end();
}

function sendError(
  res: ServerResponse,
  code: number,
  status: string,
  message: string,
  reason?: string,
) {
  res.writeHead(code, { "content-type": "application/json; charset=UTF-8" });
  const details = reason
    ? [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason,
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
      ]
    : undefined;
  res.end(
    JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }, null, 2),
  );
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify(value));
}

async function sendPieces(res: ServerResponse, body: string, pieceBytes: number) {
  res.writeHead(200, { "content-type": "text/event-stream" });
  const bytes = Buffer.from(body, "utf8");
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
    if (!res.write(bytes.subarray(offset, offset + pieceBytes))) {
      await new Promise<void>((resolve) => res.once("drain", resolve));
    }
  }
  res.end();
}

/** A recorded Gemini fixture (one chunk's JSON per line) as the SSE body Google sent. */
export function geminiSse(lines: readonly string[]): string {
  return lines
    .filter((line) => line.trim() !== "")
    .map((line) => `data: ${line}\r\n\r\n`)
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
