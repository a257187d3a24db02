/**
 * A fake OpenAI embeddings API on 127.0.0.1 speaking the exact wire format, for the embeddings
 * tests: `POST /v1/embeddings` (Bearer key) and Azure's
 * `POST /openai/deployments/{deployment}/embeddings?api-version=...` (`api-key`), answering
 * `{"object":"list","data":[{"object":"embedding","index","embedding"}],"model","usage"}` with
 * floats, or base64 float32 when asked, and OpenAI's error body. Records what it received.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeEmbeddingsUpstream {
  /** Ends in /v1, as OpenAI's SDK and provider records take it; Azure uses the origin. */
  baseUrl: string;
  origin: string;
  requests: Array<{
    path: string;
    headers: Record<string, unknown>;
    body: Record<string, unknown>;
  }>;
  /** The next answer is this error instead. */
  failNext(status: number, message: string): void;
  close(): Promise<void>;
}

export const UPSTREAM_KEY = "sk-upstream-embeddings-0123456789";

/** The vector the fake answers for `text`: `dimensions` values derived from its length. */
export function fakeVector(text: string, dimensions = 3): number[] {
  return Array.from({ length: dimensions }, (_, index) => (text.length + index) / 8);
}

export async function startFakeEmbeddingsUpstream(): Promise<FakeEmbeddingsUpstream> {
  const requests: FakeEmbeddingsUpstream["requests"] = [];
  let failure: { status: number; message: string } | null = null;
  const server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const body = JSON.parse(Buffer.concat(parts).toString("utf8") || "{}") as Record<
      string,
      unknown
    >;
    const path = req.url ?? "";
    requests.push({ path, headers: req.headers, body });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    const openai = path === "/v1/embeddings";
    const azure = /^\/openai\/deployments\/[^/]+\/embeddings\?api-version=[\w.-]+$/.test(path);
    if (req.method !== "POST" || (!openai && !azure)) {
      return send(404, {
        error: { message: "Not found", type: "invalid_request_error", code: null },
      });
    }
    const authorized = openai
      ? req.headers.authorization === `Bearer ${UPSTREAM_KEY}`
      : req.headers["api-key"] === UPSTREAM_KEY;
    if (!authorized) {
      return send(401, {
        error: {
          message: "Incorrect API key provided.",
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      });
    }
    if (failure) {
      const { status, message } = failure;
      failure = null;
      return send(status, {
        error: { message, type: "invalid_request_error", code: null, param: null },
      });
    }
    const input = body.input;
    const texts =
      typeof input === "string" ? [input] : Array.isArray(input) ? input.map(String) : [];
    const dimensions = typeof body.dimensions === "number" ? body.dimensions : 3;
    const tokens = texts.reduce((sum, text) => sum + text.split(/\s+/).length, 0);
    send(200, {
      object: "list",
      data: texts.map((text, index) => {
        const vector = fakeVector(text, dimensions);
        return {
          object: "embedding",
          index,
          embedding: body.encoding_format === "base64" ? base64Of(vector) : vector,
        };
      }),
      model: String(body.model),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    origin: `http://127.0.0.1:${port}`,
    requests,
    failNext(status, message) {
      failure = { status, message };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function base64Of(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString("base64");
}
