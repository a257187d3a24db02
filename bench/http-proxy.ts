/**
 * The benchmark's floor: the least a proxy on Node can do. A `node:http` server forwards each
 * request over a keep-alive `http.Agent` to the upstream and pipes both bodies through, parsing
 * nothing: no auth, no JSON, no routing, no accounting. What any gateway costs above this row is
 * its own work; this row is the price of the extra hop itself.
 */
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

const upstream = new URL(`${process.env.BENCH_UPSTREAM ?? ""}/chat/completions`);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

const server = createServer({ noDelay: true }, (req, res) => {
  const forward = request(
    {
      agent,
      host: upstream.hostname,
      port: upstream.port,
      path: upstream.pathname,
      method: "POST",
      headers: {
        "content-type": req.headers["content-type"] ?? "application/json",
        authorization: "Bearer sk-bench",
        ...(req.headers["content-length"]
          ? { "content-length": req.headers["content-length"] }
          : {}),
      },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, {
        "content-type": answer.headers["content-type"] ?? "",
      });
      answer.pipe(res);
    },
  );
  forward.on("error", () => res.destroy());
  req.pipe(forward);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`http proxy http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
