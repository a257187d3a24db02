/**
 * The README's admin walk-through ("The admin API, walked through"), followed literally: every
 * curl step of the `admin-steps` block is replayed in order against an in-process gateway with
 * the values the README tells the reader to copy, and the answers are checked. A README step
 * that drifts from the schema fails here.
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

describe("the README's admin walk-through", () => {
  it("runs org → team → provider → route → key → budget → call → usage → audit", async () => {
    const steps = readQuickstartSteps(README, "<!-- admin-steps");
    const variables: Record<string, string> = {
      SY: "http://switchyard.test",
      MASTER_KEY: gateway.masterKey,
    };
    const answers: Array<Record<string, unknown>> = [];
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
      expect(response.status, `${step.raw}\n→ ${JSON.stringify(body)}`).toBe(200);
      expect(body.errors, `${step.raw}\n→ ${JSON.stringify(body)}`).toBeUndefined();
      previous = body;
      answers.push(body);
      // Usage records are written just after each answer; the usage step must see them.
      await gateway.services.background.drain();
    }
    expect(steps.filter((step) => step.kind === "curl").length).toBeGreaterThanOrEqual(12);

    const data = answers.map((answer) => answer.data as Record<string, unknown> | undefined);
    const all = <T>(field: string): T[] =>
      data.filter((d) => d && field in d).map((d) => (d as Record<string, T>)[field] as T);
    const one = <T>(field: string): T => {
      const [value] = all<T>(field);
      if (value === undefined) throw new Error(`no README step answered ${field}`);
      return value;
    };

    expect(all<{ team: { name: string } }>("createTeam").map((t) => t.team.name)).toEqual([
      "research",
      "support",
    ]);
    expect(one<{ route: { alias: string } }>("createModelRoute").route.alias).toBe("smart");
    expect(one<{ budget: { limitUsd: string } }>("setBudget").budget.limitUsd).toMatch(/^5/);

    // The call went through the route to the mock provider and came back as a completion.
    const completion = answers.find((answer) => "choices" in answer) as
      | { choices: Array<{ message: { content: string } }> }
      | undefined;
    expect(completion?.choices[0]?.message.content).toContain("Hello, route!");

    type UsagePage = {
      edges: Array<{ node: { teamId: string; requests: number } }>;
      pageInfo: { hasNextPage: boolean };
    };
    const usage = one<UsagePage>("usage");
    expect(usage.edges.map(({ node }) => [rawId(node.teamId), node.requests])).toEqual([
      [rawId(variables.TEAM_ID ?? ""), 1],
    ]);
    expect(usage.pageInfo.hasNextPage).toBe(false);

    type TeamPage = {
      teams: { edges: Array<{ node: { name: string } }>; pageInfo: { hasNextPage: boolean } };
    };
    const pages = all<TeamPage>("org").map((org) => org.teams);
    expect(pages.map((page) => page.edges.map((edge) => edge.node.name))).toEqual([
      ["research"],
      ["support"],
    ]);
    expect(pages.map((page) => page.pageInfo.hasNextPage)).toEqual([true, false]);
    expect(variables.CURSOR).not.toContain("research");

    const actions = one<{ edges: Array<{ node: { action: string } }> }>("auditEvents").edges.map(
      (edge) => edge.node.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        "org.created",
        "team.created",
        "provider.created",
        "model_route.created",
        "virtual_key.created",
        "budget.set",
      ]),
    );
    const verdict = one<{ valid: boolean; checked: number }>("verifyAuditChain");
    expect(verdict).toEqual({ valid: true, checked: actions.length });
  });
});
