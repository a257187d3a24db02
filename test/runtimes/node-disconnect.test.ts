/**
 * Over a real Node HTTP server (the adapter `npm start` uses): a client that hangs up in the
 * middle of a stream makes the gateway hang up on the upstream too, and the server keeps serving.
 */
import type { Server } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { serveNode } from "../../functions/runtimes/node-server.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import {
  createOpenAICompatibleProvider,
  createOrgWithKey,
  startTestGateway,
  type TestGateway,
} from "../support/gateway.ts";
import { streamText } from "../support/stream-text.ts";

let upstream: FakeOpenAI;
let gateway: TestGateway;
let server: Server;
let baseUrl: string;
let secret: string;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startTestGateway();
  const key = await createOrgWithKey(gateway);
  secret = key.secret;
  await createOpenAICompatibleProvider(gateway, {
    orgId: key.orgId,
    name: "upstream",
    baseUrl: upstream.baseUrl,
    apiKey: "sk-upstream",
  });
  const port = await new Promise<number>((resolve) => {
    server = serveNode(gateway.app, { port: 0, hostname: "127.0.0.1" }, resolve);
  });
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await gateway?.close();
  await upstream?.close();
});

const chat = (stream: boolean, signal?: AbortSignal) =>
  fetch(`${baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({
      model: "upstream/gpt-4o-mini",
      stream,
      messages: [{ role: "user", content: "Say hello" }],
    }),
    signal,
  });

it("hangs up on the upstream when the client hangs up mid-stream", async () => {
  upstream.script(
    { kind: "stream", deltas: ["first", " held", " back"], holdAfter: 2 },
    { kind: "complete" },
  );
  const client = new AbortController();
  const response = await chat(true, client.signal);
  await streamText(response).until('"first"');
  client.abort();
  // Without the abort reaching the upstream call, this would wait until release().
  expect(await upstream.requests.at(-1)?.closed).toEqual({ aborted: true });
  upstream.release();

  const next = await chat(false);
  expect(next.status).toBe(200);
});
