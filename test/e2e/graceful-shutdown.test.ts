/**
 * `npm start` on SIGTERM (a deploy, a scale-down): it stops accepting connections at once, lets a
 * stream already in flight run to its end, settles it (the request log line is written at
 * settle, after the background work), then exits with "Switchyard stopped".
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { type SpawnedServer, spawnServer } from "../support/spawn-server.ts";
import { streamText } from "../support/stream-text.ts";

let upstream: FakeOpenAI;
let server: SpawnedServer;
let stopping: Promise<unknown> | undefined;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  server = await spawnServer("start", { SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS: "true" });
}, 90_000);

afterAll(async () => {
  await (stopping ?? server?.stop());
  await upstream?.close();
});

async function admin<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${server.baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.masterKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
}

it("drains a stream in flight on SIGTERM, refuses new connections, then exits cleanly", async () => {
  const { createOrg } = await admin<{ createOrg: { org: { id: string } } }>(
    `mutation { createOrg(input: {name: "drain"}) { org { id } } }`,
  );
  const orgId = createOrg.org.id;
  const { createVirtualKey } = await admin<{ createVirtualKey: { secret: string } }>(
    `mutation ($org: ID!) { createVirtualKey(input: {orgId: $org, name: "k"}) { secret } }`,
    { org: orgId },
  );
  await admin(
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        kind: "openai-compatible",
        orgId,
        name: "upstream",
        baseUrl: upstream.baseUrl,
        apiKey: "sk-upstream",
      },
    },
  );
  upstream.script({ kind: "stream", holdAfter: 1 });
  const response = await fetch(`${server.baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${createVirtualKey.secret}`,
    },
    body: JSON.stringify({
      model: "upstream/gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: "drain me" }],
    }),
  });
  expect(response.status).toBe(200);
  const stream = streamText(response);
  await stream.until("data: ");

  const stopped = server.stop();
  stopping = stopped;
  // The listener closes at once: a new connection is refused while the stream is still open.
  await expect
    .poll(
      () =>
        fetch(`${server.baseUrl}/health`).then(
          () => "accepted",
          () => "refused",
        ),
      { timeout: 15_000, interval: 100 },
    )
    .toBe("refused");
  expect(server.output()).not.toContain("Switchyard stopped");

  upstream.release();
  expect(await stream.rest()).toContain("data: [DONE]");
  const { clean, output } = await stopped;
  expect(clean).toBe(true);
  // The call was settled before the process ended: its request line is in the log, before the stop.
  const settledAt = output.indexOf('"message":"gateway call"');
  expect(settledAt).toBeGreaterThan(-1);
  expect(settledAt).toBeLessThan(output.indexOf("Switchyard stopped"));
  expect(output).toContain('"stream":true');
}, 120_000);
