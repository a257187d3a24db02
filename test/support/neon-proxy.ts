/**
 * A WebSocket→TCP proxy, so the Neon driver can talk to a plain local Postgres the way it talks to
 * Neon's proxy in production: the driver opens `ws://<address>/v2?address=host:port` and sends raw
 * Postgres protocol bytes; we pipe them to that TCP address and back. Test-only: it connects
 * wherever it is asked, so it listens on loopback alone.
 */
import { once } from "node:events";
import { connect } from "node:net";
import { type RawData, WebSocketServer } from "ws";

export interface NeonProxy {
  /** "127.0.0.1:PORT", the form `SqlOptions.neonWsProxy` takes. */
  address: string;
  close(): Promise<void>;
}

export async function startNeonProxy(): Promise<NeonProxy> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (socket, request) => {
    const target = new URL(request.url ?? "/", "ws://proxy").searchParams.get("address") ?? "";
    const separator = target.lastIndexOf(":");
    const tcp = connect(Number(target.slice(separator + 1)), target.slice(0, separator));
    tcp.on("data", (chunk) => socket.send(chunk));
    tcp.on("close", () => socket.close());
    tcp.on("error", () => socket.terminate());
    socket.on("message", (data: RawData) => tcp.write(toBuffer(data)));
    socket.on("close", () => tcp.destroy());
  });
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? Buffer.from(data) : data;
}
