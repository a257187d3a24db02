/**
 * An upstream on 127.0.0.1 (random port) that answers every request with a redirect, as a
 * compromised or misconfigured provider host would: `Location` is where it wants the caller to
 * go, and the body is text a gateway must never quote. Tests read back what it was sent.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface RedirectingServer {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
  /** The request paths it was sent, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** The body every redirect carries; a test checks that no client error quotes it. */
export const REDIRECT_BODY = "internal-redirect-page-contents";

export async function startRedirectingServer(options: {
  location: string;
  /** 307 and 308 keep the method, body and headers; 301/302/303 turn a POST into a GET. */
  status?: 301 | 302 | 303 | 307 | 308;
}): Promise<RedirectingServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    req.resume();
    req.on("end", () => {
      res.writeHead(options.status ?? 307, {
        location: options.location,
        "content-type": "text/plain",
      });
      res.end(REDIRECT_BODY);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
