/**
 * Periodic work, as jobs a scheduler calls over HTTP (`GET /cron/<name>`): Vercel Cron on Vercel
 * (vercel.json "crons", same names and schedules; a test keeps the two equal), any cron or
 * Kubernetes CronJob elsewhere. A long-running server also does the usage drain on its own timer
 * (functions/services.ts); calling the job as well is harmless, it claims its work atomically.
 *
 * Adding a job: one entry here with its schedule, the same path and schedule in vercel.json
 * "crons". Budget alerts have no job: they are raised
 * by the settle that crosses a threshold (functions/alerts/), so there is nothing to poll.
 */
import { storeAuditCheckpoints } from "../audit/stored-checkpoints.ts";
import { sealLegacyProviderHeaders } from "../routing/provider-headers.ts";
import type { Services } from "../services.ts";

export interface CronJob {
  /** The path segment: `/cron/<name>`. */
  readonly name: string;
  /** Standard 5-field cron, in UTC (what Vercel Cron reads). */
  readonly schedule: string;
  readonly description: string;
  /** Does the work and says what it did; a thrown error answers 500 and is logged. */
  run(services: Services): Promise<Record<string, number>>;
}

export const CRON_JOBS: readonly CronJob[] = [
  {
    name: "usage-outbox",
    schedule: "*/5 * * * *",
    description:
      "Writes usage records parked in the Redis outbox (while Postgres was down) into Postgres.",
    run: async (services) => ({ drained: await services.usage.drainOutbox() }),
  },
  {
    name: "provider-headers",
    schedule: "17 * * * *",
    description: "Seals provider headers still stored in clear (rows written before encryption).",
    run: async (services) => ({
      sealed: await sealLegacyProviderHeaders(services.sql.db, services.keyring),
    }),
  },
  {
    name: "audit-checkpoints",
    schedule: "41 * * * *",
    description:
      "Signs and stores the head of every audit chain that moved since its last stored checkpoint.",
    run: async (services) => {
      const resolution = await services.auditSigner();
      // Failing (500, logged) rather than doing nothing: an operator should see the missing key.
      if (!resolution.ok) throw new Error(resolution.reason);
      return storeAuditCheckpoints(services.sql.db, resolution.signer, new Date(services.clock()));
    },
  },
];

export function cronJobNamed(name: string): CronJob | undefined {
  return CRON_JOBS.find((job) => job.name === name);
}
