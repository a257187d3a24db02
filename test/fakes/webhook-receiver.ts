/**
 * A webhook receiver on 127.0.0.1 (random port), as a customer's endpoint would be: it records
 * each request exactly as it arrived (headers and the raw body, which is what a signature covers)
 * and answers with the statuses the test scripts. Nothing here waits on time; tests wait for the
 * gateway's background work instead.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The status it was answered with. */
  answeredWith: number;
}

export interface FakeWebhookReceiver {
  /** e.g. http://127.0.0.1:41234/hooks/switchyard */
  url: string;
  received: ReceivedWebhook[];
  /** Statuses for the next requests, in order; the last one repeats (default 200). */
  answer(...statuses: number[]): void;
  close(): Promise<void>;
}

export async function startFakeWebhookReceiver(): Promise<FakeWebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let statuses = [200];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const status = (statuses.length > 1 ? statuses.shift() : statuses[0]) ?? 200;
      received.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString("utf8"),
        answeredWith: status,
      });
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status < 300 ? "ok" : "receiver says no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/switchyard`,
    received,
    answer(...next) {
      if (next.length > 0) statuses = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
