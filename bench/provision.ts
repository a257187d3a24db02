/**
 * Sets up a freshly booted gateway for the bench over its GraphQL API: an org, the fake upstream
 * as an OpenAI-compatible provider, a plain virtual key, and a key under rate limits, a
 * concurrency cap and budgets on the key and the org (every check in play).
 */
async function graphql(base: string, token: string, query: string, variables: object) {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as {
    data: Record<string, Record<string, unknown>>;
    errors?: unknown;
  };
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

export async function provision(gatewayUrl: string, masterKey: string, upstreamUrl: string) {
  const { createOrg } = await graphql(
    gatewayUrl,
    masterKey,
    `mutation { createOrg(input: {name: "bench"}) { org { id } } }`,
    {},
  );
  const orgId = (createOrg?.org as { id: string } | undefined)?.id;
  if (!orgId) throw new Error("createOrg returned no org");
  await graphql(
    gatewayUrl,
    masterKey,
    `mutation ($input: CreateProviderInput!) { createProvider(input: $input) { provider { id } } }`,
    {
      input: {
        orgId,
        kind: "openai-compatible",
        name: "fake",
        baseUrl: upstreamUrl,
        apiKey: "sk-bench",
      },
    },
  );
  const { createVirtualKey } = await graphql(
    gatewayUrl,
    masterKey,
    `mutation ($orgId: ID!) { createVirtualKey(input: {orgId: $orgId, name: "bench"}) { secret } }`,
    { orgId },
  );
  const limited = await graphql(
    gatewayUrl,
    masterKey,
    `mutation ($orgId: ID!) {
      createVirtualKey(input: {orgId: $orgId, name: "limited", rpm: 10000000, tpm: 1000000000, maxConcurrency: 1000}) { key { id } secret }
    }`,
    { orgId },
  );
  const limitedKey = limited.createVirtualKey as { key: { id: string }; secret: string };
  for (const [scope, scopeId] of [
    ["KEY", limitedKey.key.id],
    ["ORG", orgId],
  ] as const) {
    await graphql(
      gatewayUrl,
      masterKey,
      `mutation ($scope: LimitScope!, $scopeId: ID!) {
        setBudget(input: {scope: $scope, scopeId: $scopeId, limitUsd: "1000000", window: "30d"}) { budget { id } }
      }`,
      { scope, scopeId },
    );
  }
  return { key: createVirtualKey?.secret as string, limitedKey: limitedKey.secret };
}
