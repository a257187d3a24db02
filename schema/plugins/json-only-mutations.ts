/**
 * Mutations are accepted only from POSTs with `Content-Type: application/json`. A browser sends
 * form-encoded and text bodies cross-site without asking (no CORS preflight), so accepting
 * mutations in those shapes would let any page a logged-in operator visits change things: CSRF.
 * A JSON body always needs a preflight, which CORS (cors.ts) answers only for listed origins.
 * Mutations over GET are refused by yoga itself (405). Queries are read-only and stay accepted
 * in every shape yoga parses.
 */
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import { requestRefused } from "../errors.ts";

export function jsonOnlyMutationsPlugin(): Plugin {
  return {
    onParse({ context }) {
      return ({ result }) => {
        // `request` and `params` are absent only outside HTTP (graphql-ws, bare getEnveloped).
        const request: Request | undefined = context.request;
        if (request?.method !== "POST" || result instanceof Error) return;
        if (mediaTypeOf(request) === "application/json") return;
        const operation = getOperationAST(result, context.params?.operationName);
        if (operation?.operation !== "mutation") return;
        throw requestRefused(
          "BAD_REQUEST",
          "Mutations must be sent as a POST with Content-Type: application/json",
          { status: 415 },
        );
      };
    },
  };
}

function mediaTypeOf(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}
