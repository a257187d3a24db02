/**
 * The transports the shared Redis suite runs over: always the embedded engine and the
 * Upstash REST client (against fake-upstash-rest.ts), plus a real Redis over TCP when
 * REDIS_URL is set (CI sets redis://127.0.0.1:6379).
 */
import { createRedis, type RedisHandle } from "../../db/redis.ts";
import { startFakeUpstash } from "./fake-upstash-rest.ts";

export interface OpenTransport {
  handle: RedisHandle;
  /**
   * Another client of the same store (its own connection over TCP, its own HTTP client over
   * REST), for tests about what one client sees of another's commands. The caller closes it.
   */
  connect(): RedisHandle;
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
    // Every embedded handle of a process shares one engine, as clients share a server.
    return { handle, connect: () => createRedis({}), dispose: () => handle.close() };
  },
};

const upstashRest: TransportCase = {
  name: "upstash-rest",
  open: async () => {
    const server = await startFakeUpstash();
    const options = { upstashUrl: server.url, upstashToken: server.token };
    const handle = createRedis(options);
    return {
      handle,
      connect: () => createRedis(options),
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
      return { handle, connect: () => createRedis({ redisUrl }), dispose: () => handle.close() };
    },
  };
}

const redisUrl = process.env.REDIS_URL;

export const transports: readonly TransportCase[] = [
  embedded,
  ...(redisUrl ? [tcp(redisUrl)] : []),
  upstashRest,
];
