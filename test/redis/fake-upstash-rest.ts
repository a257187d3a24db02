/**
 * A local HTTP server speaking Upstash's REST wire format (https://upstash.com/docs/redis/features/restapi),
 * backed by its own embedded engine, so the `upstash` transport (the library's own HTTP
 * client) runs through the same suite as the others.
 *
 * POST / takes one command as a JSON array, /pipeline and /multi-exec an array of them;
 * answers are { result } / { error }, with strings base64-encoded when the client asks for
 * it (Upstash-Encoding: base64, the client's default). Command errors are HTTP 400.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { EmbeddedRedis } from "../../db/redis/embedded/engine.ts";
import { ErrorReply } from "../../db/redis/embedded/reply.ts";
import { toWireResponse } from "../../db/redis/embedded/requester.ts";
import { toWireArgument, type WireResponse, type WireValue } from "../../db/redis/upstash-wire.ts";

export interface FakeUpstash {
  url: string;
  token: string;
  close(): Promise<void>;
}

function base64(value: WireValue): WireValue {
  if (typeof value === "string") return Buffer.from(value, "utf8").toString("base64");
  if (Array.isArray(value)) return value.map(base64);
  return value;
}

function encode(response: WireResponse, asBase64: boolean): WireResponse {
  return asBase64 && "result" in response ? { result: base64(response.result) } : response;
}

function toArgv(command: unknown): string[] {
  if (!Array.isArray(command)) throw new TypeError("command must be an array");
  return command.map(toWireArgument);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

export async function startFakeUpstash(): Promise<FakeUpstash> {
  const engine = new EmbeddedRedis();
  const token = randomUUID();
  const server = createServer((request, response) => {
    void (async () => {
      if (request.headers.authorization !== `Bearer ${token}`) {
        return send(response, 401, { error: "Unauthorized" });
      }
      const asBase64 = request.headers["upstash-encoding"] === "base64";
      const body = await readJson(request);
      const path = (request.url ?? "/").replace(/\/+$/, "");
      if (path === "/pipeline" || path === "/multi-exec") {
        const commands = Array.isArray(body) ? body.map(toArgv) : [];
        const replies =
          path === "/pipeline"
            ? commands.map((argv) => engine.execute(argv))
            : engine.executeTransaction(commands);
        if (replies instanceof ErrorReply) return send(response, 400, { error: replies.message });
        return send(
          response,
          200,
          replies.map((reply) => encode(toWireResponse(reply), asBase64)),
        );
      }
      const reply = toWireResponse(engine.execute(toArgv(body)));
      send(response, "error" in reply ? 400 : 200, encode(reply, asBase64));
    })().catch((error: unknown) => send(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: async () => {
      engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
