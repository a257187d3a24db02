/**
 * A fake Bedrock Runtime on 127.0.0.1 (random port) speaking the Converse API's exact wire format:
 * `POST /model/{modelId}/converse` answers a Converse response, `/converse-stream` the binary
 * `application/vnd.amazon.eventstream` (messageStart, contentBlockStart/Delta/Stop, messageStop,
 * metadata; each JSON payload padded with a `p` field as Bedrock pads it), exceptions as
 * `:message-type: exception` messages, and errors as `{"message"}` with `x-amzn-errortype`.
 *
 * Like AWS it checks the SigV4 signature, with an independent implementation (the AWS SDK's
 * @smithy/signature-v4, not the adapter's aws4fetch): a wrong key, region, service or body hash
 * gets AWS's 403. Frames are encoded with the AWS SDK's own event-stream codec.
 *
 * Tests script what the next requests get and read back what was sent. Nothing waits on time.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EventStreamCodec } from "@smithy/core/event-streams";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

export const FAKE_AWS = {
  accessKeyId: "AKIAFAKEBEDROCK12345",
  secretAccessKey: "fakeSecretKey/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
} as const;

export interface FakeConverseUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface FakeToolUse {
  toolUseId: string;
  name: string;
  input: Record<string, unknown>;
}

interface ReplyShape {
  /** Text, streamed one delta per entry (default: "Hello" ", world"); [] for no text block. */
  deltas?: string[];
  toolUses?: FakeToolUse[];
  stopReason?: string;
  usage?: FakeConverseUsage;
}

/** One event-stream message as a fixture line: its headers and its JSON payload. */
export interface FakeStreamMessage {
  headers: Record<string, string>;
  payload: unknown;
}

export type FakeBedrockBehaviour =
  | ({ kind: "complete" } & ReplyShape)
  | ({
      kind: "stream";
      /** After this many messages, send this exception message and end the stream. */
      exceptionAfter?: { count: number; type: string; message: string };
      /** After this many messages, close the connection without ending the response. */
      disconnectAfter?: number;
      /** After this many messages, send one with a corrupted CRC. */
      corruptAfter?: number;
    } & ReplyShape)
  | { kind: "error"; status: number; type: string; message: string }
  /** Encode these messages and send the bytes in small pieces (fixture replay). */
  | { kind: "frames"; messages: FakeStreamMessage[]; pieceBytes?: number };

export interface BedrockRecordedRequest {
  method: string;
  /** The path as sent, percent-encoding included. */
  path: string;
  /** The model id from the path, decoded. */
  modelId: string;
  operation: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeBedrock {
  /** What a provider record's baseUrl is set to in place of https://bedrock-runtime.<region>... */
  baseUrl: string;
  requests: BedrockRecordedRequest[];
  script(...behaviours: FakeBedrockBehaviour[]): void;
  close(): Promise<void>;
}

export const FAKE_CONVERSE_USAGE: FakeConverseUsage = { inputTokens: 14, outputTokens: 5 };

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

export async function startFakeBedrock(
  options: { sessionToken?: string } = {},
): Promise<FakeBedrock> {
  const requests: BedrockRecordedRequest[] = [];
  let queue: FakeBedrockBehaviour[] = [{ kind: "complete" }];
  const verifier = new SignatureV4({
    credentials: {
      accessKeyId: FAKE_AWS.accessKeyId,
      secretAccessKey: FAKE_AWS.secretAccessKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    },
    region: FAKE_AWS.region,
    service: "bedrock",
    sha256: Hash.bind(null, "sha256"),
    // Bedrock takes no x-amz-content-sha256 header; the body's hash is computed, not sent.
    applyChecksum: false,
  });

  const server = createServer({ noDelay: true }, (req, res) => {
    const behaviour = queue.length > 1 ? queue.shift() : queue[0];
    void handle(req, res, behaviour ?? { kind: "complete" });
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    behaviour: FakeBedrockBehaviour,
  ) {
    const raw = await readBody(req);
    const path = req.url ?? "";
    const route = ROUTE.exec(path);
    requests.push({
      method: req.method ?? "",
      path,
      modelId: route ? decodeURIComponent(route[1] ?? "") : "",
      operation: route?.[2] ?? "",
      headers: req.headers,
      body: parseJson(raw.toString("utf8")),
    });
    const refusal = await signatureProblem(verifier, req, raw, options.sessionToken);
    if (refusal) return sendError(res, 403, refusal.type, refusal.message);
    if (req.method !== "POST" || !route) {
      return sendError(res, 404, "UnknownOperationException", "");
    }
    const streaming = route[2] === "converse-stream";
    switch (behaviour.kind) {
      case "error":
        return sendError(res, behaviour.status, behaviour.type, behaviour.message);
      case "frames":
        return sendPieces(res, encodeMessages(behaviour.messages), behaviour.pieceBytes ?? 5);
      case "complete":
        if (streaming) return sendStream(res, streamMessages(behaviour), {});
        return sendJson(res, converseResponse(behaviour));
      case "stream":
        return sendStream(res, streamMessages(behaviour), behaviour);
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

/**
 * AWS's answer to a request whose signature does not hold, or null when it does. The request is
 * re-signed from what arrived (the headers it says it signed, the path as sent, the body bytes)
 * at the time it names, and the two Authorization headers compared.
 */
async function signatureProblem(
  verifier: SignatureV4,
  req: IncomingMessage,
  body: Buffer,
  sessionToken: string | undefined,
): Promise<{ type: string; message: string } | null> {
  const authorization = header(req, "authorization");
  const amzDate = header(req, "x-amz-date");
  if (!authorization || !amzDate) {
    return { type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" };
  }
  const parts =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!parts) {
    return {
      type: "IncompleteSignatureException",
      message:
        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
    };
  }
  const [, accessKeyId, , region, service, signedHeaders] = parts;
  if (accessKeyId !== FAKE_AWS.accessKeyId) {
    return {
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  if (sessionToken && header(req, "x-amz-security-token") !== sessionToken) {
    return {
      type: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    };
  }
  if (region !== FAKE_AWS.region || service !== "bedrock") {
    return {
      type: "InvalidSignatureException",
      message: `Credential should be scoped to a valid region and service, not '${region}' '${service}'.`,
    };
  }
  const signingDate = parseAmzDate(amzDate);
  if (signingDate === null || Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) {
    return {
      type: "InvalidSignatureException",
      message: "Signature expired: the request's time is more than 15 minutes from the server's.",
    };
  }
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders ?? "").split(";")) headers[name] = header(req, name) ?? "";
  const [path = "", query = ""] = (req.url ?? "").split("?");
  const host = header(req, "host") ?? "";
  const resigned = await verifier.sign(
    {
      method: req.method ?? "",
      protocol: "http:",
      hostname: host.split(":")[0] ?? "",
      path,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers,
      body: new Uint8Array(body),
    },
    { signingDate, signableHeaders: new Set(Object.keys(headers)) },
  );
  if (resigned.headers.authorization === authorization) return null;
  return {
    type: "InvalidSignatureException",
    message:
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  };
}

function parseAmzDate(value: string): Date | null {
  const parts = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!parts) return null;
  const [, y, mo, d, h, mi, s] = parts.map(Number);
  return new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s));
}

function usageOf(reply: ReplyShape) {
  const usage = reply.usage ?? FAKE_CONVERSE_USAGE;
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    totalTokens: usage.inputTokens + usage.outputTokens + cacheRead + cacheWrite,
    ...(usage.cacheReadInputTokens === undefined ? {} : { cacheReadInputTokens: cacheRead }),
    ...(usage.cacheWriteInputTokens === undefined ? {} : { cacheWriteInputTokens: cacheWrite }),
  };
}

function stopReasonOf(reply: ReplyShape): string {
  return reply.stopReason ?? (reply.toolUses?.length ? "tool_use" : "end_turn");
}

function converseResponse(reply: ReplyShape) {
  const text = (reply.deltas ?? ["Hello", ", world"]).join("");
  return {
    output: {
      message: {
        role: "assistant",
        content: [
          ...(text === "" ? [] : [{ text }]),
          ...(reply.toolUses ?? []).map((toolUse) => ({ toolUse })),
        ],
      },
    },
    stopReason: stopReasonOf(reply),
    usage: usageOf(reply),
    metrics: { latencyMs: 412 },
  };
}

/** Bedrock pads every event's payload with `p`, letters of varying length, to hide its size. */
const PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function event(
  type: string,
  payload: Record<string, unknown>,
  sequence: number,
): FakeStreamMessage {
  return {
    headers: { ":event-type": type, ":content-type": "application/json", ":message-type": "event" },
    payload: { ...payload, p: PADDING.slice(0, 5 + ((sequence * 7) % 40)) },
  };
}

/** The stream's messages in Bedrock's order. */
export function streamMessages(reply: ReplyShape): FakeStreamMessage[] {
  const messages: FakeStreamMessage[] = [];
  const push = (type: string, payload: Record<string, unknown>) =>
    messages.push(event(type, payload, messages.length));
  push("messageStart", { role: "assistant" });
  let index = 0;
  const deltas = reply.deltas ?? ["Hello", ", world"];
  if (deltas.length > 0) {
    for (const text of deltas)
      push("contentBlockDelta", { contentBlockIndex: index, delta: { text } });
    push("contentBlockStop", { contentBlockIndex: index });
    index++;
  }
  for (const tool of reply.toolUses ?? []) {
    push("contentBlockStart", {
      contentBlockIndex: index,
      start: { toolUse: { toolUseId: tool.toolUseId, name: tool.name } },
    });
    // The input in two pieces, split mid-token, as Bedrock splits it.
    const json = JSON.stringify(tool.input);
    const cut = Math.floor(json.length / 2);
    for (const input of [json.slice(0, cut), json.slice(cut)]) {
      push("contentBlockDelta", { contentBlockIndex: index, delta: { toolUse: { input } } });
    }
    push("contentBlockStop", { contentBlockIndex: index });
    index++;
  }
  push("messageStop", { stopReason: stopReasonOf(reply) });
  push("metadata", { usage: usageOf(reply), metrics: { latencyMs: 388 } });
  return messages;
}

export function encodeMessage(message: FakeStreamMessage): Uint8Array {
  const headers = Object.fromEntries(
    Object.entries(message.headers).map(([name, value]) => [
      name,
      { type: "string" as const, value },
    ]),
  );
  const body = new TextEncoder().encode(JSON.stringify(message.payload));
  return codec.encode({ headers, body });
}

export function encodeMessages(messages: readonly FakeStreamMessage[]): Buffer {
  return Buffer.concat(messages.map(encodeMessage));
}

export function exceptionMessage(type: string, message: string): FakeStreamMessage {
  return {
    headers: {
      ":exception-type": type,
      ":content-type": "application/json",
      ":message-type": "exception",
    },
    payload: { message },
  };
}

async function sendStream(
  res: ServerResponse,
  messages: FakeStreamMessage[],
  options: {
    exceptionAfter?: { count: number; type: string; message: string };
    disconnectAfter?: number;
    corruptAfter?: number;
  },
) {
  res.writeHead(200, {
    "content-type": "application/vnd.amazon.eventstream",
    "x-amzn-requestid": "3f1b0a52-fake-4c1e-9d2a-bedrock00001",
  });
  res.flushHeaders();
  for (const [sent, message] of messages.entries()) {
    if (sent === options.disconnectAfter) return void res.socket?.end();
    if (sent === options.corruptAfter) {
      const frame = Buffer.from(encodeMessage(message));
      frame[frame.length - 1] = (frame.at(-1) ?? 0) ^ 0xff;
      return void res.end(frame);
    }
    if (sent === options.exceptionAfter?.count) {
      const { type, message: text } = options.exceptionAfter;
      return void res.end(encodeMessage(exceptionMessage(type, text)));
    }
    if (res.destroyed) return;
    res.write(encodeMessage(message));
  }
  res.end();
}

function sendError(res: ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, {
    "content-type": "application/json",
    "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    "x-amzn-requestid": "3f1b0a52-fake-4c1e-9d2a-bedrock00002",
  });
  res.end(JSON.stringify({ message }));
}

function sendJson(res: ServerResponse, value: unknown) {
  res.writeHead(200, {
    "content-type": "application/json",
    "x-amzn-requestid": "3f1b0a52-fake-4c1e-9d2a-bedrock00003",
  });
  res.end(JSON.stringify(value));
}

async function sendPieces(res: ServerResponse, bytes: Buffer, pieceBytes: number) {
  res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
    if (!res.write(bytes.subarray(offset, offset + pieceBytes))) {
      await new Promise<void>((resolve) => res.once("drain", resolve));
    }
  }
  res.end();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
