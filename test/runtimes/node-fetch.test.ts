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
let heldClosed: Promise<void> = Promise.resolve();
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
    if (request.url === "/binary-held") {
      // Bedrock's streams are not SSE: application/vnd.amazon.eventstream, binary frames.
      response.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
      response.write(Buffer.from([0, 1, 2, 3]));
      return;
    }
    if (request.url === "/events-whole") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      for (const n of [1, 2, 3]) response.write(`data: ${n}\n\n`);
      response.end("data: [DONE]\n\n");
      return;
    }
    if (request.url === "/events-break") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: 1\n\n", () => setTimeout(() => response.socket?.destroy(), 20));
      return;
    }
    if (request.url === "/events-held") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: 1\n\n");
      heldClosed = new Promise((resolve) => response.on("close", () => resolve()));
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

describe("an event stream", () => {
  const all = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += new TextDecoder().decode(value);
    }
  };
  const whole = "data: 1\n\ndata: 2\n\ndata: 3\n\ndata: [DONE]\n\n";

  it("is a ReadableStream in kind, read to its end, then locked to its reader", async () => {
    const response = await requestFetch(`${baseUrl}/events-whole`);
    expect(response.body).toBeInstanceOf(ReadableStream);
    const body = response.body as ReadableStream<Uint8Array>;
    const reader = body.getReader();
    expect(body.locked).toBe(true);
    expect(() => body.getReader()).toThrow(TypeError);
    expect(await all(reader)).toBe(whole);
    expect((await reader.read()).done).toBe(true);
    await expect(reader.closed).resolves.toBeUndefined();
    reader.releaseLock();
    expect(body.locked).toBe(false);
  });

  it("reads whole through text(), once", async () => {
    const response = await requestFetch(`${baseUrl}/events-whole`);
    expect(response.bodyUsed).toBe(false);
    expect(await response.text()).toBe(whole);
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it("queues reads made before the last one settled", async () => {
    const response = await requestFetch(`${baseUrl}/events-whole`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const reads = await Promise.all([reader.read(), reader.read(), reader.read(), reader.read()]);
    const decoder = new TextDecoder();
    const text = reads.map((read) => (read.done ? "" : decoder.decode(read.value))).join("");
    expect(whole.startsWith(text)).toBe(true);
    expect(text + (await all(reader))).toBe(whole);
  });

  it("serves what it does not implement from a real web stream (pipeThrough, async iteration)", async () => {
    const piped = await requestFetch(`${baseUrl}/events-whole`);
    const decoded = (piped.body as ReadableStream<BufferSource>).pipeThrough(
      new TextDecoderStream(),
    );
    let text = "";
    for await (const part of decoded as unknown as AsyncIterable<string>) text += part;
    expect(text).toBe(whole);
    const cloned = await requestFetch(`${baseUrl}/events-whole`);
    const copy = cloned.clone();
    expect(await cloned.text()).toBe(whole);
    expect(await copy.text()).toBe(whole);
  });

  it("closes the upstream connection on cancel, settling a pending read as done", async () => {
    const response = await requestFetch(`${baseUrl}/events-held`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: 1\n\n");
    const pending = reader.read();
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    await heldClosed; // the upstream saw the connection close
  });

  it("fails a read when the upstream breaks off mid-stream", async () => {
    const response = await requestFetch(`${baseUrl}/events-break`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await expect(all(reader)).rejects.toThrow();
  });

  it("keeps an upstream failure that comes before anyone reads for the first read", async () => {
    const response = await requestFetch(`${baseUrl}/events-break`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // broken by now, nobody listening
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await expect(all(reader)).rejects.toThrow();
  });
});

it("hands over any streamed body that is not JSON as it arrives (Bedrock's binary event stream)", async () => {
  const response = await requestFetch(`${baseUrl}/binary-held`);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  // The upstream has not ended the body: a transport that read it whole would wait here forever.
  expect([...((await reader.read()).value ?? [])]).toEqual([0, 1, 2, 3]);
  await reader.cancel();
});
