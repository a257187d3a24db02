/**
 * Bounds on the shape of a GraphQL document, checked while parsing and validating, so an
 * over-limit document is refused before any resolver runs and before the bearer token is even
 * looked up (yoga builds the context, and so authenticates, only after validation).
 *
 * The checks are graphql-armor's (escape.tech), each a small envelop plugin, but for the cost,
 * whose measure is theirs and whose reading of page sizes is ours (cost.ts). Their own errors
 * carry no code and read "Syntax Error: …"; every refusal here is rethrown as one
 * GRAPHQL_VALIDATION_FAILED error instead, the code yoga gives any other invalid document.
 */
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import type { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { costLimitRule, type Variables } from "./cost.ts";
import { requestRefused } from "./errors.ts";

export const DOCUMENT_LIMITS = {
  /**
   * Lexer tokens per document; parsing stops at the first one past it, so a 200k-alias document
   * costs no more than a small one. Variables do not count; the introspection query GraphiQL
   * sends is under 200 tokens.
   */
  tokens: 1000,
  /**
   * Selection depth; introspection (`__schema`) is exempt. The deepest path today is 4
   * (viewer → org → virtualKeys → team → name); relay connections add two levels per hop.
   */
  depth: 10,
  /** Aliased fields per operation, `__typename` included (graphql-armor exempts it by default). */
  aliases: 30,
  directives: 20,
  /**
   * graphql-armor's cost: 1 per scalar, 2 per object, times 1.5 per level, times the page size
   * of a connection (`first`/`last`, literal or by variable, else the default page of 50: see
   * cost.ts); introspection exempt. A full page of 100 keys with each key's team and
   * budgets costs about 7,500 (the largest page the admin API serves, MAX_PAGE_SIZE); two such
   * pages in one document, or thirty aliased copies of a smaller one, are refused.
   */
  cost: 10_000,
} as const;

export function documentLimitPlugins(): Plugin[] {
  const reject = (error: GraphQLError): never => {
    throw requestRefused(
      "GRAPHQL_VALIDATION_FAILED",
      // graphql-armor's messages start "Syntax Error: "; the cost rule's (cost.ts) does not.
      `Document refused: ${error.message.replace(/^Syntax Error: /, "")}`,
      { status: 400, spec: true },
    );
  };
  const refuse = [(_context: unknown, error: GraphQLError) => reject(error)];
  return [
    maxTokensPlugin({ n: DOCUMENT_LIMITS.tokens, onReject: refuse }),
    maxDepthPlugin({ n: DOCUMENT_LIMITS.depth, onReject: refuse }),
    maxAliasesPlugin({ n: DOCUMENT_LIMITS.aliases, allowList: [], onReject: refuse }),
    maxDirectivesPlugin({ n: DOCUMENT_LIMITS.directives, onReject: refuse }),
    costLimitPlugin(DOCUMENT_LIMITS.cost, reject),
  ];
}

/**
 * The cost rule with the request's variables, which yoga puts in the context validation sees
 * (`params`), so a page size passed by variable is counted as what it is.
 */
function costLimitPlugin(maxCost: number, onReject: (error: GraphQLError) => void): Plugin {
  return {
    onValidate({ addValidationRule, context }) {
      const variables = (context as { params?: { variables?: unknown } }).params?.variables;
      addValidationRule(
        costLimitRule({
          maxCost,
          variables: isVariables(variables) ? variables : {},
          onReject,
        }),
      );
    },
  };
}

const isVariables = (value: unknown): value is Variables =>
  typeof value === "object" && value !== null && !Array.isArray(value);
