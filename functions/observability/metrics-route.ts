/**
 * `GET /metrics`: the Prometheus exposition, for a scraper holding SWITCHYARD_METRICS_TOKEN
 * (`Authorization: Bearer …`, which Prometheus sends with `authorization.credentials`). Without the
 * variable the route is off (404): metrics say which models and providers run, at what volume.
 */
import type { Services } from "../services.ts";
import { presentsToken, unauthorized } from "./operator-token.ts";

export async function metricsResponse(request: Request, services: Services): Promise<Response> {
  const { metricsToken } = services.config.operations;
  if (!metricsToken) {
    return Response.json(
      { error: { message: "Metrics are off: set SWITCHYARD_METRICS_TOKEN.", code: "not_found" } },
      { status: 404 },
    );
  }
  if (!(await presentsToken(request, metricsToken, services.keyring))) {
    return unauthorized("metrics");
  }
  const { text, contentType } = await services.observer.metrics.exposition({
    store: services.health,
    now: services.clock(),
  });
  return new Response(text, { headers: { "content-type": contentType } });
}
