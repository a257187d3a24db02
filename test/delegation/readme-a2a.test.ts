/**
 * The README's A2A walk-through, followed literally: every curl step of the `a2a-steps` block is
 * replayed against an in-process gateway with the values the README tells the reader to copy.
 * Every step answers 200 but the last, which the README says is refused after the revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";
import { expand, readQuickstartSteps } from "../support/readme-steps.ts";

const README = new URL("../../README.md", import.meta.url).pathname;

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

describe("the README's A2A walk-through", () => {
  it("delegates A → B → C, spends, revokes, and C is refused", async () => {
    const steps = readQuickstartSteps(README, "<!-- a2a-steps");
    const variables: Record<string, string> = {
      SY: "http://switchyard.test",
      MASTER_KEY: gateway.masterKey,
    };
    const curls = steps.filter((step) => step.kind === "curl");
    const answers: Array<{ status: number; body: Record<string, unknown> }> = [];
    let previous: unknown = null;
    for (const step of steps) {
      if (step.kind === "capture") {
        const value = step.path.reduce<unknown>(
          (node, part) => (node as Record<string, unknown> | null)?.[part] ?? null,
          previous,
        );
        expect(typeof value, `README capture ${step.variable}`).toBe("string");
        variables[step.variable] = value as string;
        continue;
      }
      const response = await gateway.app.fetch(
        new Request(expand(step.url, variables), {
          method: step.body === null ? "GET" : "POST",
          headers: step.headers.map(([name, value]): [string, string] => [
            name,
            expand(value, variables),
          ]),
          body: step.body === null ? undefined : expand(step.body, variables),
        }),
      );
      const body = (await response.json()) as Record<string, unknown>;
      const last = step === curls.at(-1);
      expect(response.status, `${step.raw}\n→ ${JSON.stringify(body)}`).toBe(last ? 403 : 200);
      if (!last) expect(body.errors, step.raw).toBeUndefined();
      previous = body;
      answers.push({ status: response.status, body });
      // Usage records are written just after each answer; the usage step must see them.
      await gateway.services.background.drain();
    }

    const dataWith = <T>(field: string): T => {
      const data = answers
        .map((answer) => answer.body.data as Record<string, unknown> | undefined)
        .find((candidate) => candidate !== undefined && field in candidate);
      if (!data) throw new Error(`no README step answered ${field}`);
      return data[field] as T;
    };
    type Named = { name: string };
    const grants = dataWith<Array<{ fromAgent: Named; toAgent: Named }>>("delegationChain");
    expect(grants.map((grant) => [grant.fromAgent.name, grant.toAgent.name])).toEqual([
      ["A", "B"],
      ["B", "C"],
    ]);
    const rows = dataWith<{ edges: Array<{ node: { agentId: string; requests: number } }> }>(
      "usage",
    ).edges.map((edge) => edge.node);
    expect(rows.map((row) => [rawId(row.agentId), row.requests]).sort()).toEqual(
      [
        [rawId(variables.AGENT_B ?? ""), 1],
        [rawId(variables.AGENT_C ?? ""), 1],
      ].sort(),
    );
    expect(dataWith("revokeDelegationGrant")).toEqual({ revokedCount: 2 });
    const refused = answers.at(-1)?.body.error as { code?: string } | undefined;
    expect(refused?.code).toBe("grant_revoked");
  });
});
