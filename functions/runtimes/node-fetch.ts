/**
 * Node only: the upstream transport `npm start` hands the gateway (Services.fetch keeps its SSRF
 * pre-check and its no-redirect rule on top). It has fetch's signature, so adapters and
 * sendUpstream do not change, but it is built on undici's `request` over a keep-alive Agent
 * instead of the WHATWG fetch algorithm: a profile under load put about a fifth of the gateway's
 * CPU in Node's fetch (request/response objects, header guards, its own web streams). A JSON
 * answer is read as bytes and handed over whole; only an event stream is bridged to a web stream,
 * chunk by chunk. `request` follows no redirects, like `redirect: "manual"`.
 */
import { Readable } from "node:stream";
import { Agent, type Dispatcher, request } from "undici";

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
    const type = answer.headers["content-type"];
    if (typeof type === "string" && type.includes("text/event-stream")) {
      return new Response(Readable.toWeb(answer.body) as ReadableStream<Uint8Array>, init2);
    }
    const bytes = new Uint8Array(await answer.body.arrayBuffer());
    return new BytesResponse(bytes, answer.statusCode, headers) as unknown as Response;
  };
  return requestFetch as typeof fetch;
}

const decoder = new TextDecoder();

/**
 * A whole answer held as bytes, read directly by text(), json() and arrayBuffer(). Node's Response
 * would wrap the bytes in a web stream that those methods read back chunk by chunk, and its
 * constructor alone (webidl conversions, a second header list) showed in the profile. So this is
 * a Response in kind (its prototype chain; `instanceof Response` holds) that implements every
 * member itself; `body` still gives a stream, built on first use, for a caller that wants one.
 */
class BytesResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly statusText = "";
  readonly type: ResponseType = "basic";
  readonly url = "";
  readonly redirected = false;
  #bytes: Uint8Array<ArrayBuffer>;
  #stream: ReadableStream<Uint8Array<ArrayBuffer>> | null = null;
  #used = false;

  constructor(bytes: Uint8Array<ArrayBuffer>, status: number, headers: Headers) {
    this.#bytes = bytes;
    this.status = status;
    this.headers = headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get body(): ReadableStream<Uint8Array<ArrayBuffer>> {
    if (this.#stream === null) {
      const bytes = this.#bytes;
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

  bytes(): Promise<Uint8Array<ArrayBuffer>> {
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

  clone(): BytesResponse {
    if (this.bodyUsed) throw new TypeError("Response.clone: Body has already been consumed.");
    return new BytesResponse(this.#bytes, this.status, new Headers(this.headers));
  }

  /** The bytes, once: through the stream if `body` was asked for, else directly. */
  #consume(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.bodyUsed) {
      return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    }
    this.#used = true;
    if (this.#stream === null) return Promise.resolve(this.#bytes);
    return new Response(this.#stream).arrayBuffer().then((buffer) => new Uint8Array(buffer));
  }
}
Object.setPrototypeOf(BytesResponse.prototype, Response.prototype);

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers);
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}
