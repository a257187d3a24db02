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
      else if (value !== undefined) headers.set(name, value);
    }
    const init2 = { status: answer.statusCode, headers };
    // 1xx-free statuses that may not carry a body per the Response constructor.
    if ([101, 204, 205, 304].includes(answer.statusCode)) {
      answer.body.resume();
      return new Response(null, init2);
    }
    if (headers.get("content-type")?.includes("text/event-stream")) {
      return new Response(Readable.toWeb(answer.body) as ReadableStream<Uint8Array>, init2);
    }
    return new Response(new Uint8Array(await answer.body.arrayBuffer()), init2);
  };
  return requestFetch as typeof fetch;
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers);
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}
