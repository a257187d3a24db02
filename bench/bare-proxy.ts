/**
 * The benchmark's floor: the least a proxy in Node can do, forwarding the request with fetch
 * (as the gateway does) and piping the answer back, with no auth, parsing, routing or
 * accounting. The gateway's latency above this row is what Switchyard itself costs; the rest is
 * the extra HTTP hop any gateway adds.
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
server.listen(0, "127.0.0.1", () => {
  console.log(`bare proxy http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
