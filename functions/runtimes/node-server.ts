/**
 * Node only: the app on node:http, through @hono/node-server's request listener, with the body
 * handed to the gateway as bytes. The listener already avoids the web stack where it can: its
 * Request is a lightweight object that builds no undici Request (nor its AbortController, nor a
 * web stream over the socket) until something asks for one, and an answer whose body is a string
 * or bytes is written to the ServerResponse whole; only a stream is piped, chunk by chunk, with
 * backpressure, and cancelled when the client goes away. What it cannot know is that the gateway
 * only needs the bytes: `request.body` would build the undici Request and two web streams over
 * the IncomingMessage. So a POST gets a reader (../gateway/steps/read-body.ts) that collects the
 * IncomingMessage's chunks directly, enforcing the size limit as they arrive.
 */
import { createServer, type IncomingMessage, type Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import type { App } from "../app.ts";
import { type BodyBytesSource, READ_BODY_BYTES } from "../gateway/steps/read-body.ts";

export interface NodeServeOptions {
  port: number;
  hostname?: string;
}

export function serveNode(
  app: App,
  options: NodeServeOptions,
  onListening?: (port: number) => void,
): Server {
  const listener = getRequestListener((request, env) => {
    const { incoming } = env as HttpBindings;
    if (incoming.method !== "GET" && incoming.method !== "HEAD") {
      (request as BodyBytesSource)[READ_BODY_BYTES] = (maxBytes) =>
        readIncomingBody(incoming, maxBytes);
    }
    return app.fetch(request);
  });
  const server = createServer({ ServerResponse: HeadersWithFirstWrite }, listener);
  server.listen(options.port, options.hostname, () =>
    onListening?.((server.address() as AddressInfo).port),
  );
  return server;
}

/**
 * A ServerResponse whose flushHeaders() waits for the rest of the turn. @hono/node-server flushes
 * a streamed answer's headers before it reads the first chunk, so they went out in a write (a
 * syscall, a wakeup of the client) of their own, about 5% of a streamed call's CPU. When the
 * first chunk has already arrived from the upstream (the common case under load) it is written
 * within the same turn and the headers go out with it; if nothing is written by then, they are
 * flushed on the next turn, as before.
 */
class HeadersWithFirstWrite<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  override flushHeaders(): void {
    setImmediate(() => {
      // `headersSent` is already true once writeHead() has built them; `_headerSent` (Node's
      // own, on every OutgoingMessage) is whether they have gone out on the socket.
      const sent = (this as unknown as { _headerSent: boolean })._headerSent;
      if (!sent && !this.destroyed) super.flushHeaders();
    });
  }
}

/**
 * The whole body of `incoming`, or null as soon as it passes `maxBytes` (the stream is paused
 * then; the listener drains or closes it once the answer is written). Rejects when the client
 * goes away before the end, as the web stream's read does.
 */
export function readIncomingBody(
  incoming: IncomingMessage,
  maxBytes: number,
): Promise<Uint8Array | null> {
  if (incoming.readableEnded || incoming.destroyed) {
    return Promise.reject(new Error("the request body was already read or the client left"));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        stop();
        incoming.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => {
      stop();
      reject(new Error("the client closed the connection before the end of the request body"));
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}
