/**
 * The benchmark's upstream: an OpenAI-compatible server in its own process, printing its base URL.
 * It answers every chat call at once, with a JSON completion or, when the body asks for
 * `stream: true`, an SSE stream, in the exact wire format of the test fake (test/fakes), but keeps
 * no record of requests (the test fake's log would grow for the whole run).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { completion, streamEvents } from "../test/fakes/openai-server.ts";

const server = createServer({ noDelay: true }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString() || "{}") as {
      model?: string;
      stream?: boolean;
      stream_options?: { include_usage?: boolean };
    };
    const model = body.model ?? "gpt-4o-mini";
    if (!body.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(completion(model, {})));
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    res.flushHeaders();
    for (const data of streamEvents(model, {}, body.stream_options?.include_usage === true))
      res.write(`data: ${data}\n\n`);
    res.end("data: [DONE]\n\n");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`upstream http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
