/**
 * `GET /health`: the process is up (liveness; touches nothing).
 * `GET /ready`: the database and Redis answer within a deadline (readiness).
 */
import type { Services } from "./services.ts";

const READY_DEADLINE_MS = 2_000;

export function healthResponse(): Response {
  return Response.json({ status: "ok" });
}

export async function readinessResponse(services: Services): Promise<Response> {
  const [database, redis] = await Promise.all([
    withDeadline(services.sql.ping()),
    withDeadline(services.redis.ping()),
  ]);
  const ready = database && redis;
  return Response.json(
    {
      status: ready ? "ready" : "unavailable",
      database: database ? "ok" : "unreachable",
      redis: redis ? "ok" : "unreachable",
    },
    { status: ready ? 200 : 503 },
  );
}

async function withDeadline(check: Promise<boolean>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_DEADLINE_MS);
  });
  try {
    return await Promise.race([check.catch(() => false), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
