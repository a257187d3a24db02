/**
 * The Node upstream transport (functions/runtimes/node-fetch.ts) behaves as fetch does for what the
 * adapters read: a JSON answer held as bytes reads once through text(), json(), arrayBuffer() or
 * body, an event stream arrives chunk by chunk, a 204 has no body, headers and status carry over.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRequestFetch } from "../../functions/runtimes/node-fetch.ts";

let server: Server;
let baseUrl: string;
let releaseStream: () => void = () => {};
const requestFetch = createRequestFetch();

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === "/json") {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        response.writeHead(201, { "content-type": "application/json", "x-echo": "a" });
        response.end(JSON.stringify({ received: body, method: request.method, text: "héllo" }));
      });
      return;
    }
    if (request.url === "/empty") {
      response.writeHead(204).end();
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write("data: first\n\n");
    releaseStream = () => response.end("data: last\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const json = () =>
  requestFetch(`${baseUrl}/json`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"a":1}',
  });

describe("a JSON answer", () => {
  it("carries the status, the headers and the body, read by text()", async () => {
    const response = await json();
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.redirected).toBe(false);
    expect(response.headers.get("x-echo")).toBe("a");
    expect(response.bodyUsed).toBe(false);
    expect(JSON.parse(await response.text())).toEqual({
      received: '{"a":1}',
      method: "POST",
      text: "héllo",
    });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it("reads through json(), arrayBuffer() and a clone", async () => {
    const response = await json();
    const copy = response.clone();
    expect(await response.json()).toMatchObject({ text: "héllo" });
    const bytes = new Uint8Array(await copy.arrayBuffer());
    expect(JSON.parse(new TextDecoder().decode(bytes))).toMatchObject({ method: "POST" });
  });

  it("reads through its body stream, once", async () => {
    const response = await json();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const { value } = await reader.read();
    expect(JSON.parse(new TextDecoder().decode(value))).toMatchObject({ text: "héllo" });
    expect((await reader.read()).done).toBe(true);
    expect(response.bodyUsed).toBe(true);
    await expect(response.json()).rejects.toThrow(TypeError);
  });
});

it("hands an event stream over chunk by chunk", async () => {
  const response = await requestFetch(`${baseUrl}/events`);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  // The first event arrives while the upstream still holds the stream open.
  expect(decoder.decode((await reader.read()).value)).toBe("data: first\n\n");
  releaseStream();
  let rest = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += decoder.decode(value);
  }
  expect(rest).toBe("data: last\n\n");
});

it("gives a 204 no body", async () => {
  const response = await requestFetch(`${baseUrl}/empty`);
  expect(response.status).toBe(204);
  expect(response.body).toBeNull();
});
