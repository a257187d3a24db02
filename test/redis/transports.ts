/**
 * The transports the shared Redis suite runs over: always the embedded engine and the
 * Upstash REST client (against fake-upstash-rest.ts), plus a real Redis over TCP when
 * REDIS_URL is set (CI sets redis://127.0.0.1:6379).
 */
import { createRedis, type RedisHandle } from "../../db/redis.ts";
import { startFakeUpstash } from "./fake-upstash-rest.ts";

export interface OpenTransport {
  handle: RedisHandle;
  dispose(): Promise<void>;
}

export interface TransportCase {
  name: string;
  open(): Promise<OpenTransport>;
}

const embedded: TransportCase = {
  name: "embedded",
  open: async () => {
    const handle = createRedis({});
    return { handle, dispose: () => handle.close() };
  },
};

const upstashRest: TransportCase = {
  name: "upstash-rest",
  open: async () => {
    const server = await startFakeUpstash();
    const handle = createRedis({ upstashUrl: server.url, upstashToken: server.token });
    return {
      handle,
      dispose: async () => {
        await handle.close();
        await server.close();
      },
    };
  },
};

function tcp(redisUrl: string): TransportCase {
  return {
    name: "tcp",
    open: async () => {
      const handle = createRedis({ redisUrl });
      return { handle, dispose: () => handle.close() };
    },
  };
}

const redisUrl = process.env.REDIS_URL;

export const transports: readonly TransportCase[] = [
  embedded,
  ...(redisUrl ? [tcp(redisUrl)] : []),
  upstashRest,
];
