/**
 * The Node entry's server (functions/runtimes/node-server.ts) hands a POST body to the gateway as
 * bytes read from the IncomingMessage, not through request.body: the same answers as the web
 * stream read (test/gateway/bad-input.test.ts), the size limit enforced while the bytes arrive,
 * and the server still serving after a refused body.
 */
import type { Server } from "node:http";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openAIErrorResponse, toGatewayError } from "../../functions/gateway/errors.ts";
import { READ_BODY_BYTES, readJsonBody } from "../../functions/gateway/steps/read-body.ts";
import { serveNode } from "../../functions/runtimes/node-server.ts";

const LIMIT = 64 * 1024;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  const app = {
    async fetch(request: Request): Promise<Response> {
      if (request.method === "GET") return Response.json({ fastPath: READ_BODY_BYTES in request });
      try {
        const body = await readJsonBody(request, LIMIT);
        return Response.json({ body, fastPath: READ_BODY_BYTES in request });
      } catch (error) {
        return openAIErrorResponse(toGatewayError(error), new Headers());
      }
    },
  };
  const port = await new Promise<number>((resolve) => {
    server = serveNode(app, { port: 0, hostname: "127.0.0.1" }, resolve);
  });
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(baseUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    duplex: "half",
  } as RequestInit);

/** A body sent in 16 KB chunks without a Content-Length (chunked transfer encoding). */
function chunked(totalBytes: number): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= totalBytes) return controller.close();
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
}

it("hands a POST body over as bytes, parsed as JSON", async () => {
  const payload = { messages: [{ role: "user", content: "é".repeat(20_000) }] };
  const response = await post(JSON.stringify(payload));
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ body: payload, fastPath: true });
});

it("attaches no body reader to a GET", async () => {
  expect(await (await fetch(baseUrl)).json()).toEqual({ fastPath: false });
});

it("refuses an empty body as the stream read does", async () => {
  const response = await post("");
  expect(response.status).toBe(400);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
});

it("refuses a declared length over the limit with 413", async () => {
  const response = await post(JSON.stringify({ content: "x".repeat(LIMIT) }));
  expect(response.status).toBe(413);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
    "request_too_large",
  );
});

it("refuses a body over the limit sent without a length, while it arrives, and keeps serving", async () => {
  const response = await post(chunked(LIMIT * 4));
  expect(response.status).toBe(413);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
    "request_too_large",
  );
  const next = await post(JSON.stringify({ ok: true }));
  expect(await next.json()).toEqual({ body: { ok: true }, fastPath: true });
});

it("answers 413 before a client that never ends its body has finished sending", async () => {
  // The client sends twice the limit and then holds the request open: the answer can only come
  // from the limit being enforced on the bytes as they arrive, not at the end of the body.
  const status = await new Promise<number>((resolve, reject) => {
    const request = httpRequest(`${baseUrl}/`, {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    });
    request.on("response", (response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      request.destroy();
    });
    request.on("error", reject);
    request.write("x".repeat(LIMIT * 2));
  });
  expect(status).toBe(413);
});
