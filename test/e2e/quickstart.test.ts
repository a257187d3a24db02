/**
 * The README's quick start, followed literally: start the server with the README's npm script
 * (under Node, Bun and Deno), then replay every curl step of the README with fetch, taking the
 * values the README tells the reader to copy from each answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expand, readQuickstartSteps } from "../support/readme-steps.ts";
import { type SpawnedServer, spawnServer } from "../support/spawn-server.ts";

const README = new URL("../../README.md", import.meta.url).pathname;
const RUNTIMES = [
  { name: "node", script: "start" },
  { name: "bun", script: "start:bun" },
  { name: "deno", script: "start:deno" },
] as const;

interface StepAnswer {
  status: number;
  contentType: string;
  text: string;
}

describe.each(RUNTIMES)("the README quick start under $name", ({ script }) => {
  let server: SpawnedServer;
  beforeAll(async () => {
    server = await spawnServer(script);
  }, 90_000);
  afterAll(async () => {
    // SIGTERM is a graceful shutdown: every process must exit, the runtime saying it stopped.
    const stopped = await server?.stop();
    expect(stopped?.clean, stopped?.output).toBe(true);
  });

  it("prints a master key that works, and every README step succeeds", async () => {
    const variables: Record<string, string> = { SY: server.baseUrl, MASTER_KEY: server.masterKey };
    const answers: StepAnswer[] = [];
    let previous: unknown = null;

    for (const step of readQuickstartSteps(README)) {
      if (step.kind === "capture") {
        const value = step.path.reduce<unknown>(
          (node, part) => (node as Record<string, unknown> | null)?.[part] ?? null,
          previous,
        );
        expect(typeof value, `README capture ${step.variable}`).toBe("string");
        variables[step.variable] = value as string;
        continue;
      }
      const response = await fetch(expand(step.url, variables), {
        method: step.body === null ? "GET" : "POST",
        headers: step.headers.map(([name, value]): [string, string] => [
          name,
          expand(value, variables),
        ]),
        body: step.body === null ? undefined : expand(step.body, variables),
      });
      const answer = {
        status: response.status,
        contentType: response.headers.get("content-type") ?? "",
        text: await response.text(),
      };
      expect(answer.status, `${step.raw}\n→ ${answer.text}`).toBe(200);
      if (answer.contentType.includes("application/json")) {
        previous = JSON.parse(answer.text);
        expect((previous as { errors?: unknown }).errors, step.raw).toBeUndefined();
      }
      answers.push(answer);
    }

    const chat = answers.find((a) => a.text.includes('"chat.completion"'));
    expect(JSON.parse(chat?.text ?? "{}").choices[0].message.content).toBe(
      "Echo: Hello, Switchyard!",
    );
    const stream = answers.find((a) => a.contentType.includes("text/event-stream"));
    expect(stream?.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const streamed = (stream?.text ?? "")
      .split("\n\n")
      .filter((event) => event.startsWith("data: {"))
      .map((event) => JSON.parse(event.slice(6)).choices[0]?.delta?.content ?? "")
      .join("");
    expect(streamed).toBe("Echo: Stream it");

    // The usage step is the last; its records are written just after each answer, so wait for them.
    const usageStep = answers.at(-1);
    expect(usageStep?.text).toContain('"usage"');
    await expect.poll(async () => countUsage(variables), { timeout: 10_000 }).toBe(2);
  });
});

/** Re-runs the README's last step (the usage query) and sums the requests. */
async function countUsage(variables: Record<string, string>): Promise<number> {
  const steps = readQuickstartSteps(README);
  const last = steps.at(-1);
  if (last?.kind !== "curl" || last.body === null)
    throw new Error("README ends without a usage query");
  const response = await fetch(expand(last.url, variables), {
    method: "POST",
    headers: last.headers.map(([name, value]): [string, string] => [
      name,
      expand(value, variables),
    ]),
    body: expand(last.body, variables),
  });
  const body = (await response.json()) as {
    data: { usage: { edges: Array<{ node: { requests: number } }> } };
  };
  return body.data.usage.edges.reduce((sum, edge) => sum + edge.node.requests, 0);
}
