/**
 * The GraphQL server at /graphql. Errors are masked by default: only GraphQLErrors carrying an
 * `extensions.code` (see errors.ts) reach the client, everything else becomes "Unexpected error.".
 * Before any resolver runs, a request passes the document limits (limits.ts), the JSON-only rule
 * for mutations and, in production, the schema-hiding rules; CORS is cors.ts's.
 */
import { createYoga } from "graphql-yoga";
import type { Services } from "../functions/services.ts";
import { createAdminAuthenticator } from "./authenticate.ts";
import type { GraphQLContext } from "./context.ts";
import { corsFor } from "./cors.ts";
import { codeOf, isGraphQLError, isInternalError, toClientError } from "./errors.ts";
import { schema } from "./index.ts";
import { documentLimitPlugins } from "./limits.ts";
import { hideSchemaPlugins } from "./plugins/hide-schema.ts";
import { jsonOnlyMutationsPlugin } from "./plugins/json-only-mutations.ts";

export interface AdminServerContext {
  requestId: string;
}

export function createAdminServer(services: Services) {
  const authenticate = createAdminAuthenticator(services);
  const { log, config } = services;
  return createYoga<AdminServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    graphiql: config.graphqlIntrospection,
    cors: corsFor(config.corsOrigins),
    plugins: [
      ...documentLimitPlugins(),
      jsonOnlyMutationsPlugin(),
      ...(config.graphqlIntrospection ? [] : hideSchemaPlugins()),
    ],
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args) => log.warn("graphql", { detail: String(args[0]) }),
      // yoga logs here only what it has just passed to maskError below, which logs it once at
      // the level it deserves; echoing it would put clients' mistakes (and their documents'
      // text) in the error log.
      error: () => {},
    },
    maskedErrors: {
      maskError: (error, message) => {
        const masked = toClientError(error, message);
        if (isInternalError(masked)) {
          const original = isGraphQLError(error) ? (error.originalError ?? error) : error;
          log.error("graphql resolver failed", { error: original });
        } else {
          // A client's own mistake: worth a debug line, never its message, which can quote the
          // document's literals (`found String "…"`).
          log.debug("graphql request refused", { code: codeOf(masked), path: masked.path });
        }
        return masked;
      },
    },
    context: async ({ request, requestId }) => ({
      services,
      requestId,
      clientIp: clientIpOf(request.headers),
      loaders: new Map(),
      viewer: await authenticate(request.headers),
    }),
  });
}

/**
 * The platform in front (Vercel, a load balancer) appends the peer to x-forwarded-for; the first
 * hop is the client as that platform saw it. Recorded in audit events, never used to authorize.
 */
function clientIpOf(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || headers.get("x-real-ip")?.trim() || null;
}
