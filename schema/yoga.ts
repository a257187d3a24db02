/**
 * The GraphQL server at /graphql. Errors are masked by default: only GraphQLErrors carrying an
 * `extensions.code` (see errors.ts) reach the client, everything else becomes "Unexpected error.".
 */
import { GraphQLError } from "graphql";
import { createYoga } from "graphql-yoga";
import type { Services } from "../functions/services.ts";
import { createAdminAuthenticator } from "./authenticate.ts";
import type { GraphQLContext } from "./context.ts";
import { schema } from "./index.ts";

export interface AdminServerContext {
  requestId: string;
}

export function createAdminServer(services: Services) {
  const authenticate = createAdminAuthenticator(services);
  return createYoga<AdminServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: !services.config.production,
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args) => services.log.warn("graphql", { detail: String(args[0]) }),
      error: (...args) => services.log.error("graphql", { detail: String(args[0]) }),
    },
    maskedErrors: {
      maskError: (error, message) => {
        const masked = maskUnlessCoded(error, message);
        if (masked.message === message) {
          // Only what the client cannot see is worth a log line; its own mistakes are not.
          const original = isGraphQLError(error) ? (error.originalError ?? error) : error;
          services.log.error("graphql resolver failed", { error: original });
        }
        return masked;
      },
    },
    context: async ({ request, requestId }) => ({
      services,
      requestId,
      viewer: await authenticate(request.headers),
    }),
  });
}

/**
 * Keeps errors a client can act on: ours (with a code), and the ones graphql-js or Pothos raise
 * about the request itself (input coercion, invalid global ids) as BAD_USER_INPUT. Anything else
 * (a driver error, a bug) becomes the generic message.
 *
 * GraphQL errors are recognised by shape, not `instanceof`: the executor and our resolvers can
 * hold different copies of graphql-js (its CJS and ESM builds), whose classes differ.
 */
function maskUnlessCoded(error: unknown, message: string): Error {
  if (isGraphQLError(error)) {
    const original = error.originalError;
    const code = codeOf(error) ?? (isGraphQLError(original) ? codeOf(original) : undefined);
    const aboutTheRequest = !original || isGraphQLError(original);
    if (code || aboutTheRequest) {
      return new GraphQLError(error.message, {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: code ?? "BAD_USER_INPUT" },
      });
    }
  }
  return new GraphQLError(message, { extensions: { code: "INTERNAL_SERVER_ERROR" } });
}

function isGraphQLError(error: unknown): error is GraphQLError {
  return (
    error instanceof GraphQLError ||
    // Pothos' own errors (PothosValidationError...) subclass GraphQLError under other names.
    (error instanceof Error && "extensions" in error && "originalError" in error)
  );
}

function codeOf(error: GraphQLError): string | undefined {
  const code = error.extensions?.code;
  return typeof code === "string" ? code : undefined;
}
