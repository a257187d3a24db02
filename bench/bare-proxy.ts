/**
 * A bare proxy built on the web-standard stack: forwards the request with global `fetch` and pipes
 * the answer back through a web stream, with no auth, parsing, routing or accounting. Kept beside
 * the `node:http` floor (bench/http-proxy.ts) because the difference between the two rows is the
 * price of `fetch` and web streams on Node alone.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

const upstream = process.env.BENCH_UPSTREAM ?? "";

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const answer = await fetch(`${upstream}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
    body: Buffer.concat(chunks),
  });
  res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "" });
  if (answer.body) Readable.fromWeb(answer.body as never).pipe(res);
  else res.end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`bare proxy http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
