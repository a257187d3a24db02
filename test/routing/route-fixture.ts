/**
 * An org with a key, one openai-compatible provider per fake upstream and a model route over
 * them, made through the admin API as a user would; shared by the routing suites.
 */
import type { FakeOpenAI } from "../fakes/openai-server.ts";
import { createOrgWithKey, type TestGateway } from "../support/gateway.ts";

export interface RoutedOrg {
  orgId: string;
  secret: string;
  routeId: string;
  providerIds: string[];
}

export async function orgWithRoute(
  gateway: TestGateway,
  upstreams: readonly FakeOpenAI[],
  route: Record<string, unknown> & { deployments?: Array<Record<string, unknown>> } = {},
): Promise<RoutedOrg> {
  const key = await createOrgWithKey(gateway);
  const providerIds: string[] = [];
  for (const [index, upstream] of upstreams.entries()) {
    const data = await gateway.admin<{ createProvider: { provider: { id: string } } }>(
      `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
      {
        input: {
          orgId: key.orgId,
          kind: "openai-compatible",
          name: `up${index}`,
          baseUrl: upstream.baseUrl,
          apiKey: "sk-test",
        },
      },
    );
    providerIds.push(data.createProvider.provider.id);
  }
  const { deployments = [], ...rest } = route;
  const data = await gateway.admin<{ createModelRoute: { route: { id: string } } }>(
    `mutation ($input: CreateModelRouteInput!) { createModelRoute(input: $input) { route { id } } }`,
    {
      input: {
        orgId: key.orgId,
        alias: "smart",
        strategy: "PRIORITY",
        ...rest,
        deployments: providerIds.map((providerId, index) => ({
          providerId,
          model: `model-${index}`,
          ...deployments[index],
        })),
      },
    },
  );
  return {
    orgId: key.orgId,
    secret: key.secret,
    routeId: data.createModelRoute.route.id,
    providerIds,
  };
}

export const ask = (model = "smart", extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: "user", content: "Say hello" }],
  ...extra,
});

/** Which upstream (index into the list given to orgWithRoute) served a response. */
export function servedBy(response: Response): string | null {
  return response.headers.get("x-switchyard-provider");
}
