/**
 * Stage 7a: the model name → the deployments that may serve it (resolveDeployments, before the
 * limits, which hold the budget at the dearest of them; a route's deployment health is read from
 * Redis meanwhile, in parallel with the limits' round trip), then, once the org's prices are
 * known, the order to try them in by the route's strategy (orderDeployments).
 */
import type { Usage } from "../../providers/types.ts";
import { type DeploymentHealth, UNKNOWN_HEALTH } from "../../routing/health/health-store.ts";
import type { Deployment, ResolvedModel } from "../../routing/model-directory.ts";
import { orderByStrategy } from "../../routing/strategies/index.ts";
import type { RoutedDeployment } from "../../routing/strategies/types.ts";
import { authenticatedPrincipal, type CallContext } from "../call-context.ts";
import { GatewayError } from "../errors.ts";

/** Resolves `model` for the caller's org into `call.route` (again after a change: limits.ts). */
export async function resolveDeployments(call: CallContext, model: string): Promise<ResolvedModel> {
  const resolved = await call.services.models.resolve(authenticatedPrincipal(call).orgId, model);
  if (resolved === null) {
    throw new GatewayError(
      "model_not_found",
      `The model '${model}' does not exist or is not available to this key. Use a model route alias or '<provider>/<model>'.`,
      { param: "model" },
    );
  }
  call.route = resolved;
  call.health = resolved.route === null ? null : readHealth(call, resolved.deployments);
  return resolved;
}

/**
 * Started, not awaited: it runs while the limits are reserved. A Redis failure here routes as if
 * every deployment were healthy rather than failing the call (the limits stage, which needs
 * Redis to be safe, is what refuses when Redis is down).
 */
function readHealth(
  call: CallContext,
  deployments: readonly Deployment[],
): Promise<ReadonlyMap<Deployment, DeploymentHealth>> {
  const { services } = call;
  return services.health.read(deployments, services.clock()).then(
    (health) =>
      new Map(
        deployments.map((deployment, index) => [deployment, health[index] ?? UNKNOWN_HEALTH]),
      ),
    (error: unknown) => {
      services.log.warn("deployment health unavailable; routing without it", {
        requestId: call.requestId,
        error,
      });
      return new Map(deployments.map((deployment) => [deployment, UNKNOWN_HEALTH]));
    },
  );
}

/**
 * The resolved deployments in the order to try them. `usage` is the request's estimate (the
 * COST strategy prices it); runs after the limits stage, which loaded the org's prices.
 */
export async function orderDeployments(
  call: CallContext,
  usage: Usage,
  random: () => number = Math.random,
): Promise<RoutedDeployment[]> {
  const resolved = call.route;
  if (resolved === null) {
    throw new Error(`stage ordering: ${call.endpoint} ordered deployments before resolving`);
  }
  if (resolved.route === null || call.prices === null) return resolved.deployments;
  const health = (await call.health) ?? new Map<Deployment, DeploymentHealth>();
  return orderByStrategy(resolved.route.strategy, resolved.deployments, {
    random,
    prices: call.prices,
    usage,
    at: call.startedAt,
    healthOf: (deployment) => health.get(deployment) ?? UNKNOWN_HEALTH,
  });
}
