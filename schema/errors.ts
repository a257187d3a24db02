/**
 * The admin API's error vocabulary (DESIGN.md): every failure a client can act on is a GraphQLError
 * with `extensions.code`; anything else is masked by yoga as "Unexpected error.".
 */
import { GraphQLError } from "graphql";

export type AdminErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "CONFLICT";

export function adminError(code: AdminErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * Refusals of the request itself, before any resolver runs (document limits, transport rules).
 * Codes follow graphql-yoga's own for the same phase; `http` carries the status yoga answers with
 * (`spec: true` keeps it 200 for `application/json` clients, as yoga does for validation errors).
 */
export type RequestRefusalCode = "GRAPHQL_VALIDATION_FAILED" | "BAD_REQUEST";

export function requestRefused(
  code: RequestRefusalCode,
  message: string,
  http: { status: number; spec?: boolean },
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http } });
}

export const notFound = (what: string) => adminError("NOT_FOUND", `${what} not found`);
export const badInput = (message: string) => adminError("BAD_USER_INPUT", message);
export const conflict = (message: string) => adminError("CONFLICT", message);

/** The SQLSTATE of a Postgres error, whichever driver raised it (drizzle wraps it in `cause`). */
export function sqlStateOf(error: unknown): string | null {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    if (typeof current === "object" && current !== null && "code" in current) {
      const code = (current as { code: unknown }).code;
      if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    }
  }
  return null;
}

/**
 * Turns the constraint errors a write can meet into the client's error: unique_violation (23505)
 * → CONFLICT, foreign_key_violation (23503) → NOT_FOUND of the referenced thing. Anything else
 * is rethrown (and masked).
 */
export function explainWriteError(
  error: unknown,
  meaning: { conflict: string; missing: string },
): never {
  const state = sqlStateOf(error);
  if (state === "23505") throw conflict(meaning.conflict);
  if (state === "23503") throw notFound(meaning.missing);
  throw error;
}

/** A delete refused because other rows still point at the row (foreign_key_violation → CONFLICT). */
export function explainDeleteError(error: unknown, stillReferenced: string): never {
  if (sqlStateOf(error) === "23503") throw conflict(stillReferenced);
  throw error;
}

/**
 * What the client sees for any error (yoga's maskError): ours (with a code), and the ones
 * graphql-js or Pothos raise about the request itself (syntax, input coercion, invalid global ids)
 * as BAD_USER_INPUT, keeping yoga's `http` extension so a syntax error stays a 400. Anything else
 * (a driver error, a bug) becomes the generic message with INTERNAL_SERVER_ERROR.
 */
export function toClientError(error: unknown, genericMessage: string): GraphQLError {
  if (isGraphQLError(error)) {
    const original = error.originalError;
    const code = codeOf(error) ?? (isGraphQLError(original) ? codeOf(original) : undefined);
    const aboutTheRequest = !original || isGraphQLError(original);
    if (code || aboutTheRequest) {
      return new GraphQLError(error.message, {
        nodes: error.nodes,
        path: error.path,
        extensions: { ...error.extensions, code: code ?? "BAD_USER_INPUT" },
      });
    }
  }
  return new GraphQLError(genericMessage, { extensions: { code: INTERNAL } });
}

const INTERNAL = "INTERNAL_SERVER_ERROR";

export function isInternalError(error: GraphQLError): boolean {
  return codeOf(error) === INTERNAL;
}

/**
 * GraphQL errors are recognised by shape, not `instanceof` alone: the executor and our resolvers
 * can hold different copies of graphql-js (its CJS and ESM builds), whose classes differ.
 */
export function isGraphQLError(error: unknown): error is GraphQLError {
  return (
    error instanceof GraphQLError ||
    // Pothos' own errors (PothosValidationError...) subclass GraphQLError under other names.
    (error instanceof Error && "extensions" in error && "originalError" in error)
  );
}

export function codeOf(error: GraphQLError): string | undefined {
  const code = error.extensions?.code;
  return typeof code === "string" ? code : undefined;
}
