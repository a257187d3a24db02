/**
 * The admin API refuses documents past its limits (schema/limits.ts) before running them, and
 * before looking at the token: a refusal is a GRAPHQL_VALIDATION_FAILED error with no `data`,
 * where an executed request would have `data` (null or not).
 */
import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
let viewerToken: string;
/** The viewer's org, written into documents literally (the aliased copies share no variables). */
let orgId: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  const { createOrg } = await gateway.admin<{ createOrg: { org: { id: string } } }>(
    `mutation { createOrg(input: { name: "limits" }) { org { id } } }`,
  );
  const { createAdminToken } = await gateway.admin<{ createAdminToken: { secret: string } }>(
    `mutation ($orgId: ID!) {
      createAdminToken(input: { orgId: $orgId, role: VIEWER, name: "viewer" }) { secret }
    }`,
    { orgId: createOrg.org.id },
  );
  viewerToken = createAdminToken.secret;
  orgId = createOrg.org.id;
});
afterAll(() => gateway?.close());

const aliased = (count: number, selection: string) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(" ")} }`;

function expectRefused(
  result: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> },
  limit: RegExp,
) {
  expect(result.data).toBeUndefined();
  expect(result.errors).toHaveLength(1);
  expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  expect(result.errors?.[0]?.message).toMatch(limit);
}

describe("documents past a limit", () => {
  it("refuses 1,000 aliased org lists from a VIEWER token without running them", async () => {
    const result = await gateway.graphql(
      aliased(1000, "orgs { edges { node { id } } }"),
      {},
      viewerToken,
    );
    expectRefused(result, /^Document refused: Token limit of 1000 exceeded/);
  });

  it("refuses 200,000 aliased __typename sent without any token", async () => {
    const result = await gateway.graphql(aliased(200_000, "__typename"), {}, "");
    expectRefused(result, /Token limit of 1000 exceeded/);
  });

  it("refuses more than 30 aliases, __typename included, even in a short document", async () => {
    expectRefused(
      await gateway.graphql(aliased(31, "__typename"), {}, viewerToken),
      /^Document refused: Aliases limit of 30 exceeded, found 31/,
    );
  });

  it("refuses a selection nested deeper than 10 levels", async () => {
    const names = "abcdefghijk".split("");
    const deep = names.reduceRight((inner, name) => `${name} { ${inner} }`, "id");
    expectRefused(
      await gateway.graphql(`{ ${deep} }`, {}, viewerToken),
      /^Document refused: Query depth limit of 10 exceeded/,
    );
  });

  it("refuses more than 20 directives", async () => {
    const directives = Array.from({ length: 21 }, () => "@include(if: true)").join(" ");
    expectRefused(
      await gateway.graphql(`{ __typename ${directives} }`, {}, viewerToken),
      /^Document refused: Directives limit of 20 exceeded, found 21/,
    );
  });

  it("refuses a valid query whose cost is past 10000, though each alias alone is within it", async () => {
    // The viewer's own org: `org(id: …)` thirty times would pass the token limit first.
    const keys = `viewer { org { virtualKeys(first: 100) { edges { node { id name prefix
      createdAt team { id name } } } } } }`;
    expectRefused(
      await gateway.graphql(aliased(30, keys), {}, viewerToken),
      /^Document refused: Query Cost limit of 10000 exceeded/,
    );
  });

  it("counts a page's size in its cost: first 100 of a nested list is refused", async () => {
    const keys = `org(id: "${orgId}") { virtualKeys(first: 100) { edges { node { id budgets { id }
      rateLimits(first: 5) { edges { node { id } } } team { id name } } } } }`;
    const twice = `a: ${keys} b: ${keys}`;
    expectRefused(
      await gateway.graphql(`{ ${twice} }`, {}, viewerToken),
      /^Document refused: Query Cost limit of 10000 exceeded/,
    );
  });

  it("costs a connection without `first` as a default page of 50, not as one node", async () => {
    // Keys, each with its rate limits: 50 × 50 rows when no page size is written.
    const keys = (outer: string, inner: string) =>
      `query ${outer.includes("$n") ? "($n: Int)" : ""} { org(id: "${orgId}") { virtualKeys${outer} { edges { node { id
        rateLimits${inner} { edges { node { id } } } } } } } }`;
    expectRefused(
      await gateway.graphql(keys("", ""), {}, viewerToken),
      /^Document refused: Query Cost limit of 10000 exceeded/,
    );
    // A page size by variable is read from the variables, not taken for one node.
    expectRefused(
      await gateway.graphql(keys("(first: $n)", "(first: $n)"), { n: 50 }, viewerToken),
      /^Document refused: Query Cost limit of 10000 exceeded/,
    );
    // The same shape at small pages runs: the refusals above are the page size's.
    for (const [outer, inner, n] of [
      ["(first: 5)", "(first: 5)", null],
      ["(first: $n)", "(first: $n)", 5],
    ] as const) {
      const result = await gateway.graphql(keys(outer, inner), { n }, viewerToken);
      expect(result.errors).toBeUndefined();
    }
  });

  it("refuses an unauthenticated over-limit document as over the limit, not as unauthenticated", async () => {
    expectRefused(
      await gateway.graphql(aliased(31, "orgs { edges { node { id } } }"), {}, ""),
      /Aliases limit/,
    );
  });
});

describe("documents within the limits", () => {
  it("runs thirty aliases", async () => {
    const result = await gateway.graphql<Record<string, unknown>>(
      aliased(30, "__typename"),
      {},
      viewerToken,
    );
    expect(result.errors).toBeUndefined();
    expect(Object.keys(result.data ?? {})).toHaveLength(30);
  });

  it("answers the introspection query GraphiQL sends, which is exempt from depth and cost", async () => {
    const result = await gateway.graphql<{ __schema: { queryType: { name: string } } }>(
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        inputValueDeprecation: true,
      }),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.__schema.queryType.name).toBe("Query");
  });

  it("answers the README's usage query", async () => {
    const { createOrg } = await gateway.admin<{ createOrg: { org: { id: string } } }>(
      `mutation { createOrg(input: { name: "usage" }) { org { id } } }`,
    );
    const data = await gateway.admin<{ usage: { edges: unknown[] } }>(
      `query ($org: ID!) { usage(filter: {orgId: $org, from: "2020-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z"}, groupBy: [PROVIDER, MODEL]) { edges { node { provider model requests inputTokens outputTokens costUsd } } } }`,
      { org: createOrg.org.id },
    );
    expect(data.usage.edges).toEqual([]);
  });
});

describe("bodies past the size limit", () => {
  it("are answered 413 before yoga reads them", async () => {
    const limit = gateway.services.config.maxBodyBytes;
    const response = await gateway.app.fetch(
      new Request("http://switchyard.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ __typename }`, padding: "x".repeat(limit) }),
      }),
    );
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body.errors[0].message).toContain(String(limit));
  });
});
