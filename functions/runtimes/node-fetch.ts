/**
 * Node only: the upstream transport `npm start` hands the gateway (Services.fetch keeps its SSRF
 * pre-check and its no-redirect rule on top). It has fetch's signature, so adapters and
 * sendUpstream do not change, but it is built on undici's `request` over a keep-alive Agent
 * instead of the WHATWG fetch algorithm: a profile under load put about a fifth of the gateway's
 * CPU in Node's fetch (request/response objects, header guards, its own web streams). A JSON
 * answer is read as bytes and handed over whole; any other body (an SSE stream, Bedrock's binary
 * event stream, an error page) as undici's Readable behind a ReadableStream's reader
 * (node-body-stream.ts), chunk by chunk as it arrives: only JSON is known to be worth waiting for.
 * `request` follows no redirects, like `redirect: "manual"`.
 */
import { Agent, type Dispatcher, request } from "undici";
import { concatBytes } from "../bytes.ts";
import { nodeBodyStream } from "./node-body-stream.ts";

export function createRequestFetch(dispatcher: Dispatcher = new Agent()): typeof fetch {
  const requestFetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    if (input instanceof Request) throw new TypeError("upstream fetch takes a URL, not a Request");
    const answer = await request(String(input), {
      dispatcher,
      method: (init.method ?? "GET") as Dispatcher.HttpMethod,
      headers: headerRecord(init.headers),
      body: init.body as string | Uint8Array | null | undefined,
      signal: init.signal ?? undefined,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      else if (value !== undefined) headers.append(name, value);
    }
    const init2 = { status: answer.statusCode, headers };
    // 1xx-free statuses that may not carry a body per the Response constructor.
    if ([101, 204, 205, 304].includes(answer.statusCode)) {
      answer.body.resume();
      return new Response(null, init2);
    }
    if (!isJson(answer.headers["content-type"])) {
      return new UpstreamResponse(
        nodeBodyStream(answer.body),
        answer.statusCode,
        headers,
      ) as unknown as Response;
    }
    const bytes = new Uint8Array(await answer.body.arrayBuffer());
    return new UpstreamResponse(bytes, answer.statusCode, headers) as unknown as Response;
  };
  return requestFetch as typeof fetch;
}

const decoder = new TextDecoder();
type Chunk = Uint8Array<ArrayBuffer>;

/**
 * An upstream's answer as a Response in kind (its prototype chain; `instanceof Response` holds)
 * that implements every member itself. Node's Response would wrap a whole answer's bytes in a web
 * stream that text() and json() read back chunk by chunk, and its constructor alone (webidl
 * conversions, a second header list) showed in the profile. So a whole answer is held as bytes,
 * read directly by text(), json() and arrayBuffer(), with a stream built only if `body` is asked
 * for; a streamed answer holds its body stream (node-body-stream.ts) and reads through it.
 */
class UpstreamResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly statusText = "";
  readonly type: ResponseType = "basic";
  readonly url = "";
  readonly redirected = false;
  #bytes: Chunk | null;
  #stream: ReadableStream<Chunk> | null;
  #used = false;

  constructor(body: Chunk | ReadableStream<Chunk>, status: number, headers: Headers) {
    const whole = body instanceof Uint8Array;
    this.#bytes = whole ? body : null;
    this.#stream = whole ? null : body;
    this.status = status;
    this.headers = headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get body(): ReadableStream<Chunk> {
    if (this.#stream === null) {
      const bytes = this.#bytes ?? new Uint8Array();
      this.#stream = new ReadableStream({
        start(controller) {
          if (bytes.byteLength > 0) controller.enqueue(bytes);
          controller.close();
        },
      });
    }
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#stream?.locked ?? false);
  }

  text(): Promise<string> {
    return this.#consume().then((bytes) => decoder.decode(bytes));
  }

  json(): Promise<unknown> {
    return this.text().then(JSON.parse);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#consume().then((bytes) =>
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
  }

  bytes(): Promise<Chunk> {
    return this.#consume().then((bytes) => bytes.slice());
  }

  blob(): Promise<Blob> {
    return this.#consume().then(
      (bytes) => new Blob([bytes], { type: this.headers.get("content-type") ?? "" }),
    );
  }

  formData(): Promise<FormData> {
    return this.#consume().then((bytes) =>
      new Response(bytes, { headers: this.headers }).formData(),
    );
  }

  clone(): UpstreamResponse {
    if (this.bodyUsed) throw new TypeError("Response.clone: Body has already been consumed.");
    const headers = new Headers(this.headers);
    if (this.#stream === null && this.#bytes) {
      return new UpstreamResponse(this.#bytes, this.status, headers);
    }
    const [mine, theirs] = this.body.tee();
    this.#stream = mine;
    return new UpstreamResponse(theirs, this.status, headers);
  }

  /** The bytes, once: directly when held whole and no stream was asked for, else read out. */
  async #consume(): Promise<Chunk> {
    if (this.bodyUsed) throw new TypeError("Body is unusable: Body has already been read");
    this.#used = true;
    if (this.#stream === null) return this.#bytes ?? new Uint8Array();
    const reader = this.#stream.getReader();
    const chunks: Chunk[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    return concatBytes(chunks);
  }
}
Object.setPrototypeOf(UpstreamResponse.prototype, Response.prototype);

/** `application/json`, or a `+json` type such as `application/problem+json`. */
function isJson(type: string | string[] | undefined): boolean {
  if (typeof type !== "string") return false;
  const essence = type.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  return essence === "application/json" || essence.endsWith("+json");
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers);
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}
