/**
 * `GET /cron/<job>`: runs one periodic job (cron-jobs.ts) to its end and says what it did.
 * Protected by CRON_SECRET as Vercel Cron sends it (`Authorization: Bearer <CRON_SECRET>`);
 * without CRON_SECRET every call is refused, so a deployment that forgot it runs no job for
 * strangers. The work is awaited, not left to the background: the scheduler's call is what keeps
 * a serverless instance alive while it runs.
 */
import { presentsToken, unauthorized } from "../observability/operator-token.ts";
import type { Services } from "../services.ts";
import { cronJobNamed } from "./cron-jobs.ts";

export async function cronResponse(
  request: Request,
  services: Services,
  name: string,
): Promise<Response> {
  const { cronSecret } = services.config.operations;
  if (!(await presentsToken(request, cronSecret, services.keyring))) return unauthorized("cron");
  const job = cronJobNamed(name);
  if (!job) {
    return Response.json(
      { error: { message: `No cron job named ${name}`, code: "not_found" } },
      { status: 404 },
    );
  }
  const startedAt = services.clock();
  try {
    const result = await job.run(services);
    const durationMs = services.clock() - startedAt;
    services.log.info("cron job done", { job: job.name, durationMs, ...result });
    return Response.json({ job: job.name, ok: true, durationMs, result });
  } catch (error) {
    services.log.error("cron job failed", { job: job.name, error });
    return Response.json(
      { job: job.name, ok: false, error: { message: "The job failed; see the logs." } },
      { status: 500 },
    );
  }
}
