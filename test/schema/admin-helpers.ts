/** Admin-API steps the limits suites share: orgs, teams, tokens and reading error codes. */
import type { GraphQLResult, TestGateway } from "../support/gateway.ts";

export { rawId } from "../support/gateway.ts";

export const hello = { model: "mock/echo", messages: [{ role: "user", content: "hi" }] };

export async function createOrg(gateway: TestGateway, name: string): Promise<string> {
  const data = await gateway.admin<{ createOrg: { org: { id: string } } }>(
    `mutation ($name: String!) { createOrg(input: { name: $name }) { org { id } } }`,
    { name },
  );
  return data.createOrg.org.id;
}

export async function createTeam(gateway: TestGateway, orgId: string, name = "research") {
  const data = await gateway.admin<{ createTeam: { team: { id: string } } }>(
    `mutation ($orgId: ID!, $name: String!) { createTeam(input: { orgId: $orgId, name: $name }) { team { id } } }`,
    { orgId, name },
  );
  return data.createTeam.team.id;
}

export async function createKey(
  gateway: TestGateway,
  input: { orgId: string; teamId?: string; rpm?: number },
): Promise<{ keyId: string; secret: string }> {
  const data = await gateway.admin<{
    createVirtualKey: { key: { id: string }; secret: string };
  }>(
    `mutation ($input: CreateVirtualKeyInput!) { createVirtualKey(input: $input) { key { id } secret } }`,
    { input: { name: "test key", ...input } },
  );
  return { keyId: data.createVirtualKey.key.id, secret: data.createVirtualKey.secret };
}

export async function createAdminToken(
  gateway: TestGateway,
  orgId: string,
  role: "OWNER" | "ADMIN" | "VIEWER",
): Promise<string> {
  const data = await gateway.admin<{ createAdminToken: { secret: string } }>(
    `mutation ($input: CreateAdminTokenInput!) { createAdminToken(input: $input) { secret } }`,
    { input: { orgId, role, name: `${role} token` } },
  );
  return data.createAdminToken.secret;
}

export const codesOf = (result: GraphQLResult<unknown>) =>
  result.errors?.map((error) => error.extensions?.code);

export const messagesOf = (result: GraphQLResult<unknown>) =>
  result.errors?.map((error) => error.message).join("\n") ?? "";

/** A relay connection as the admin API answers one, and the nodes of its page. */
export interface Connection<Node> {
  edges: Array<{ node: Node; cursor?: string }>;
  pageInfo?: { hasNextPage: boolean; endCursor: string | null };
}

export const nodesOf = <Node>(connection: Connection<Node>): Node[] =>
  connection.edges.map((edge) => edge.node);
