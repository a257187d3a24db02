/**
 * `GET /ready` tells an operator what usage accounting has not settled: records waiting in the
 * Redis outbox and records Postgres refused (dead letters). Neither makes the instance unready.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { usageRecordFixture } from "../support/usage-record.ts";

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway();
  // The drain every start runs is over: what the tests park stays parked.
  await gateway.services.background.drain();
});
afterAll(() => gateway?.close());

interface Readiness {
  status: string;
  usage: { outboxBacklog: number | null; deadLetters: number | null };
}

async function readiness(): Promise<{ status: number; body: Readiness }> {
  const response = await gateway.app.fetch(new Request("http://switchyard.test/ready"));
  return { status: response.status, body: (await response.json()) as Readiness };
}

const usage = usageRecordFixture;

it("reports no usage backlog and no dead letters on a fresh instance", async () => {
  const { status, body } = await readiness();
  expect(status).toBe(200);
  expect(body.usage).toEqual({ outboxBacklog: 0, deadLetters: 0 });
});

it("reports records waiting in the outbox and records Postgres refused, and stays ready", async () => {
  const { redis } = gateway.services.redis;
  const outboxKey = `${gateway.services.config.redisNamespace}usage:outbox`;
  await redis.rpush(
    outboxKey,
    JSON.stringify(usage("req_parked_1")),
    JSON.stringify(usage("req_parked_2")),
  );
  await gateway.services.usage.record(usage("req_refused", { model: "bad\u0000name" }));

  const { status, body } = await readiness();
  expect(status).toBe(200);
  expect(body.status).toBe("ready");
  expect(body.usage).toEqual({ outboxBacklog: 2, deadLetters: 1 });
});
