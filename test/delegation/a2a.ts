/** Admin-API steps the delegation suites share: agents with keys, grants, revocation. */
import { expect } from "vitest";
import type { GraphQLResult, TestGateway } from "../support/gateway.ts";

export const echo = (content = "hi") => ({
  model: "mock/echo",
  max_tokens: 50,
  messages: [{ role: "user", content }],
});

export async function createOrg(gateway: TestGateway, name = "acme"): Promise<string> {
  const data = await gateway.admin<{ createOrg: { org: { id: string } } }>(
    `mutation ($name: String!) { createOrg(input: { name: $name }) { org { id } } }`,
    { name },
  );
  return data.createOrg.org.id;
}

export interface TestAgent {
  id: string;
  keyId: string;
  /** The agent's own virtual key. */
  key: string;
}

/** An agent and a key of its own, made as an operator would. */
export async function createAgentWithKey(
  gateway: TestGateway,
  orgId: string,
  name: string,
  keyInput: Record<string, unknown> = {},
): Promise<TestAgent> {
  const { createAgent } = await gateway.admin<{ createAgent: { agent: { id: string } } }>(
    `mutation ($input: CreateAgentInput!) { createAgent(input: $input) { agent { id } } }`,
    { input: { orgId, name } },
  );
  const { createVirtualKey } = await gateway.admin<{
    createVirtualKey: { key: { id: string }; secret: string };
  }>(
    `mutation ($input: CreateVirtualKeyInput!) { createVirtualKey(input: $input) { key { id } secret } }`,
    { input: { orgId, agentId: createAgent.agent.id, name: `${name}'s key`, ...keyInput } },
  );
  return { id: createAgent.agent.id, keyId: createVirtualKey.key.id, key: createVirtualKey.secret };
}

export const CREATE_GRANT = `mutation ($input: CreateDelegationGrantInput!) {
  createDelegationGrant(input: $input) { grant { id } token }
}`;

export interface GrantInput {
  fromAgentId: string;
  toAgentId: string;
  parentGrantId?: string;
  models?: readonly string[];
  maxSpendUsd: string;
  expiresAt?: string;
  maxDepth?: number;
  rpm?: number;
}

export function inAnHour(): string {
  return new Date(Date.now() + 3_600_000).toISOString();
}

export async function tryGrant(
  gateway: TestGateway,
  input: GrantInput,
): Promise<GraphQLResult<{ createDelegationGrant: { grant: { id: string }; token: string } }>> {
  return gateway.graphql(CREATE_GRANT, { input: { expiresAt: inAnHour(), ...input } });
}

export async function createGrant(
  gateway: TestGateway,
  input: GrantInput,
): Promise<{ id: string; token: string }> {
  const result = await tryGrant(gateway, input);
  expect(result.errors).toBeUndefined();
  const created = result.data?.createDelegationGrant;
  if (!created) throw new Error("no grant");
  return { id: created.grant.id, token: created.token };
}

export async function revokeGrant(gateway: TestGateway, id: string): Promise<number> {
  const data = await gateway.admin<{ revokeDelegationGrant: { revokedCount: number } }>(
    `mutation ($id: ID!) { revokeDelegationGrant(input: { id: $id }) { revokedCount } }`,
    { id },
  );
  return data.revokeDelegationGrant.revokedCount;
}

/** A chat call by an agent's own key, under a grant token when given. */
export function callAs(
  gateway: TestGateway,
  key: string,
  grantToken: string | null,
  body: unknown = echo(),
): Promise<Response> {
  return gateway.call(
    "/v1/chat/completions",
    body,
    key,
    grantToken ? { "x-switchyard-grant": grantToken } : {},
  );
}

export async function errorCodeOf(response: Response): Promise<string | undefined> {
  const body = (await response.json()) as { error?: { code?: string } };
  return body.error?.code;
}
