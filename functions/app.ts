/**
 * The one HTTP app: a web-standard fetch handler that every runtime entry (Node, Bun, Deno,
 * Vercel) serves unchanged. Routes only; each route's work lives in its own module.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { createAdminServer } from "../schema/yoga.ts";
import { cronResponse } from "./cron/cron-route.ts";
import { chatCompletions } from "./gateway/endpoints/chat-completions.ts";
import { embeddings } from "./gateway/endpoints/embeddings.ts";
import { messages } from "./gateway/endpoints/messages.ts";
import { listModels } from "./gateway/endpoints/models.ts";
import { responses } from "./gateway/endpoints/responses.ts";
import {
  anthropicErrorResponse,
  GatewayError,
  openAIErrorResponse,
  toGatewayError,
} from "./gateway/errors.ts";
import { type EndpointSpec, runEndpoint } from "./gateway/pipeline.ts";
import { newRequestId } from "./gateway/request-id.ts";
import { healthResponse, readinessResponse } from "./health.ts";
import { metricsResponse } from "./observability/metrics-route.ts";
import type { Services } from "./services.ts";

/**
 * What every route gets from the fetch wrapper below: the request id, made before routing, and
 * whether the answer carries it already (a gateway endpoint's does), so the wrapper need not open
 * its headers to add it: on Node that would build a Headers object out of a plain record.
 */
type RequestEnv = { requestId: string; answerHasRequestId?: boolean };
type AppEnv = { Bindings: RequestEnv };

export interface App {
  fetch(request: Request): Promise<Response>;
}

export function createApp(services: Services): App {
  const app = new Hono<AppEnv>();
  // The admin API (yoga, Pothos, the schema: about 600 modules) loads on its first request, not
  // at start: it was a third of the start-up CPU, and a gateway may never be administered.
  let admin: Promise<ReturnType<typeof createAdminServer>> | undefined;
  const adminServer = () => {
    admin ??= import("../schema/yoga.ts").then(
      (yoga) => yoga.createAdminServer(services),
      (error: unknown) => {
        admin = undefined; // a failed load is retried by the next request
        throw error;
      },
    );
    return admin;
  };

  app.get("/health", () => healthResponse());
  app.get("/ready", () => readinessResponse(services));
  app.get("/metrics", (c) => metricsResponse(c.req.raw, services));
  app.get("/cron/:job", (c) => cronResponse(c.req.raw, services, c.req.param("job")));
  // yoga reads the whole body before parsing: bound it here, as /v1/* bounds its own.
  app.use(
    "/graphql",
    bodyLimit({
      maxSize: services.config.maxBodyBytes,
      onError: (c) =>
        c.json(
          {
            errors: [
              {
                message: `The request body is larger than the limit of ${services.config.maxBodyBytes} bytes.`,
                extensions: { code: "BAD_REQUEST" },
              },
            ],
          },
          413,
        ),
    }),
  );
  app.on(["GET", "POST", "OPTIONS"], "/graphql", async (c) =>
    (await adminServer()).fetch(c.req.raw, { requestId: c.env.requestId }),
  );

  // A gateway endpoint's route: runEndpoint puts the request id on every answer it returns.
  const endpoint = (spec: EndpointSpec) => async (c: Context<AppEnv>) => {
    const response = await runEndpoint(spec, c.req.raw, services, c.env.requestId);
    c.env.answerHasRequestId = true;
    return response;
  };
  app.post("/v1/chat/completions", endpoint(chatCompletions));
  app.post("/v1/embeddings", endpoint(embeddings));
  app.get("/v1/models", endpoint(listModels));
  app.post("/v1/messages", endpoint(messages));
  app.all("/v1/messages", (c) =>
    anthropicErrorResponse(
      new GatewayError("method_not_allowed", "Use POST for /v1/messages"),
      new Headers({ "x-request-id": c.env.requestId }),
    ),
  );
  app.post("/v1/responses", endpoint(responses));
  app.all("/v1/chat/completions", () => {
    throw new GatewayError("method_not_allowed", "Use POST for /v1/chat/completions");
  });

  app.notFound((c) => {
    if (c.req.path.startsWith("/v1/")) {
      return openAIErrorResponse(
        new GatewayError("route_not_found", `No route for ${c.req.method} ${c.req.path}`),
        new Headers(),
      );
    }
    return c.json({ error: { message: "Not found", code: "not_found" } }, 404);
  });

  app.onError((error, c) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError.kind === "internal") {
      services.log.error("unhandled error", {
        requestId: c.env.requestId,
        path: c.req.path,
        error,
      });
    }
    return openAIErrorResponse(gatewayError, new Headers());
  });

  // The request id is made and echoed here rather than in a middleware: a route with one handler
  // and no middleware is dispatched by Hono without composing a chain (`await next()` per call).
  return {
    async fetch(request) {
      const env: RequestEnv = { requestId: newRequestId() };
      const response = await app.fetch(request, env);
      if (!env.answerHasRequestId) response.headers.set("x-request-id", env.requestId);
      return response;
    },
  };
}
