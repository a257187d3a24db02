/**
 * The cost a document is charged (schema/cost.ts) against the served schema: a connection's
 * selection is paid once per node of its page, whether the page size is written, passed by
 * variable or left to the default; plain fields are paid once.
 */
import { type DocumentNode, type FragmentDefinitionNode, Kind, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { DEFAULT_PAGE_SIZE } from "../../schema/connections.ts";
import { operationCost, type Variables } from "../../schema/cost.ts";
import { schema } from "../../schema/index.ts";
import { DOCUMENT_LIMITS } from "../../schema/limits.ts";

function costOf(source: string, variables: Variables = {}): number {
  const document: DocumentNode = parse(source);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const operation = document.definitions.find(
    (definition) => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error("no operation");
  return operationCost(schema, operation, (name) => fragments.get(name), variables);
}

/** Keys of an org, each with its rate limits: two connections, one inside the other. */
const nested = (outer: string, inner: string, head = "") =>
  `query ${head} { org(id: "T3JnOjA=") { virtualKeys${outer} { edges { node { id
    rateLimits${inner} { edges { node { id rpm } } } } } } } }`;

describe("the cost of a connection", () => {
  it("is the default page's when `first` is omitted, not one node's", () => {
    const omitted = costOf(nested("", ""));
    expect(omitted).toBe(
      costOf(nested(`(first: ${DEFAULT_PAGE_SIZE})`, `(first: ${DEFAULT_PAGE_SIZE})`)),
    );
    expect(omitted).toBeGreaterThan(costOf(nested("(first: 49)", "(first: 49)")));
    // 50 × 50 nested rows are past the limit; the same shape at a page of one is far inside it.
    expect(omitted).toBeGreaterThan(DOCUMENT_LIMITS.cost);
    expect(costOf(nested("(first: 1)", "(first: 1)"))).toBeLessThan(DOCUMENT_LIMITS.cost / 10);
  });

  it("reads a page size passed by variable, then the variable's default", () => {
    const byVariable = nested("(first: $n)", "(first: $n)", "($n: Int)");
    expect(costOf(byVariable, { n: 100 })).toBe(costOf(nested("(first: 100)", "(first: 100)")));
    expect(costOf(byVariable, { n: 2 })).toBe(costOf(nested("(first: 2)", "(first: 2)")));
    // A null or absent variable leaves the default page, as the resolver does.
    expect(costOf(byVariable, { n: null })).toBe(costOf(nested("", "")));
    expect(costOf(byVariable)).toBe(costOf(nested("", "")));
    const withDefault = nested("(first: $n)", "(first: $n)", "($n: Int = 3)");
    expect(costOf(withDefault)).toBe(costOf(nested("(first: 3)", "(first: 3)")));
  });

  it("takes `last` like `first`, and the larger when both are given", () => {
    expect(costOf(nested("(last: 7)", "(last: 7)"))).toBe(
      costOf(nested("(first: 7)", "(first: 7)")),
    );
    expect(costOf(nested("(first: 2, last: 9)", "(first: 9)"))).toBe(
      costOf(nested("(first: 9)", "(first: 9)")),
    );
  });

  it("counts a connection reached through a fragment the same", () => {
    const spread = `query { org(id: "T3JnOjA=") { ...keys } }
      fragment keys on Org { virtualKeys { edges { node { id } } } }`;
    const inline = `query { org(id: "T3JnOjA=") { ... on Org { virtualKeys { edges { node { id } } } } } }`;
    const sized = (source: string, size: number) =>
      costOf(source.replace("virtualKeys", `virtualKeys(first: ${size})`));
    expect(costOf(spread)).toBe(sized(spread, DEFAULT_PAGE_SIZE));
    expect(costOf(spread)).toBeGreaterThan(sized(spread, 1));
    expect(costOf(inline)).toBe(sized(inline, DEFAULT_PAGE_SIZE));
    expect(costOf(inline)).toBeGreaterThan(sized(inline, 1));
  });

  it("covers the root usage and guardrailEvents connections", () => {
    const filter = `filter: { orgId: "T3JnOjA=", from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z" }`;
    for (const field of [
      `usage(${filter}, groupBy: [MODEL]%) { edges { node { model requests } } }`,
      `guardrailEvents(filter: { orgId: "T3JnOjA=" }%) { edges { node { id detector } } }`,
    ]) {
      const omitted = costOf(`{ ${field.replace("%", "")} }`);
      expect(omitted).toBe(costOf(`{ ${field.replace("%", `, first: ${DEFAULT_PAGE_SIZE}`)} }`));
      expect(omitted).toBeGreaterThan(costOf(`{ ${field.replace("%", ", first: 1")} }`));
    }
  });

  it("is one node's for a field that does not page", () => {
    expect(costOf(`{ viewer { org { id name } } }`)).toBe(
      OBJECT_SELECTION_OF_TWO_SCALARS_TWO_LEVELS_DEEP,
    );
  });
});

/** viewer { org { id name } }: 2 + 1.5 × (2 + 1.5 × 1 + 1.5 × 1), armor's weights by hand. */
const OBJECT_SELECTION_OF_TWO_SCALARS_TWO_LEVELS_DEEP = 2 + 1.5 * (2 + 1.5 + 1.5);
