/**
 * `GET /health`: the process is up (liveness; touches nothing).
 * `GET /ready`: the database and Redis answer within a deadline (readiness), plus what usage
 * accounting has not settled: records parked in the Redis outbox and records Postgres refused
 * (dead letters). Those two are reported for operators and never make the instance unready: it
 * still serves, and a backlog drains once Postgres is back. A count that cannot be read in time is
 * null.
 */
import type { Services } from "./services.ts";

const READY_DEADLINE_MS = 2_000;

export function healthResponse(): Response {
  return Response.json({ status: "ok" });
}

export async function readinessResponse(services: Services): Promise<Response> {
  const [database, redis, outboxBacklog, deadLetters] = await Promise.all([
    withDeadline(services.sql.ping()),
    withDeadline(services.redis.ping()),
    withDeadline(services.usage.outboxBacklog()),
    withDeadline(services.usage.deadLetterCount()),
  ]);
  const ready = database === true && redis === true;
  return Response.json(
    {
      status: ready ? "ready" : "unavailable",
      database: database ? "ok" : "unreachable",
      redis: redis ? "ok" : "unreachable",
      usage: { outboxBacklog, deadLetters },
    },
    { status: ready ? 200 : 503 },
  );
}

/** The check's answer, or null if it failed or took longer than the deadline. */
async function withDeadline<T>(check: Promise<T>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), READY_DEADLINE_MS);
  });
  try {
    return await Promise.race([check.catch(() => null), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
