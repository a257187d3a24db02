/**
 * Revocation events of the grant cascade read like every other admin audit event
 * (schema/audited-write.ts): actor, request id, and the actor's role and client IP, on the
 * revoked grant's event and on each event of a grant revoked with it.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents } from "../../db/schema/index.ts";
import { verifyAuditChain } from "../../functions/audit/verify-audit-chain.ts";
import { rawId, startTestGateway, type TestGateway } from "../support/gateway.ts";
import { createAgentWithKey, createGrant, createOrg } from "./a2a.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

async function ownerToken(orgId: string): Promise<string> {
  const data = await gateway.admin<{ createAdminToken: { secret: string } }>(
    `mutation ($input: CreateAdminTokenInput!) { createAdminToken(input: $input) { secret } }`,
    { input: { orgId, role: "OWNER", name: "owner" } },
  );
  return data.createAdminToken.secret;
}

/** POST /graphql as a client behind a proxy; the request id the gateway gave it. */
async function postAs(token: string, query: string, variables: Record<string, unknown>) {
  const response = await gateway.app.fetch(
    new Request("http://switchyard.test/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
        "x-forwarded-for": "198.51.100.23, 10.0.0.1",
      },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as { errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return response.headers.get("x-request-id");
}

/** Org with A → B → C, and an OWNER token of it. */
async function chainOfThree() {
  const orgId = await createOrg(gateway);
  const [a, b, c] = [
    await createAgentWithKey(gateway, orgId, "A"),
    await createAgentWithKey(gateway, orgId, "B"),
    await createAgentWithKey(gateway, orgId, "C"),
  ];
  const ab = await createGrant(gateway, {
    fromAgentId: a.id,
    toAgentId: b.id,
    maxSpendUsd: "1",
    maxDepth: 1,
  });
  const bc = await createGrant(gateway, {
    fromAgentId: b.id,
    toAgentId: c.id,
    parentGrantId: ab.id,
    maxSpendUsd: "0.5",
    expiresAt: new Date(Date.now() + 1_800_000).toISOString(),
  });
  return { orgId, a, b, c, ab, bc, token: await ownerToken(orgId) };
}

async function eventsOf(orgId: string) {
  return gateway.services.sql.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.orgId, rawId(orgId)))
    .orderBy(auditEvents.seq);
}

describe("revocation events of the grant cascade", () => {
  it("carry the request id, the actor's role and the client IP, on every grant revoked", async () => {
    const { orgId, ab, bc, token } = await chainOfThree();
    const requestId = await postAs(
      token,
      `mutation ($id: ID!) { revokeDelegationGrant(input: { id: $id }) { revokedCount } }`,
      { id: ab.id },
    );
    expect(requestId).toMatch(/^req_/);
    const events = await eventsOf(orgId);
    const revoked = events.filter((event) => event.action.startsWith("delegation_grant.revoked"));
    expect(revoked.map((event) => [event.action, event.targetId])).toEqual([
      ["delegation_grant.revoked", rawId(ab.id)],
      ["delegation_grant.revoked_by_cascade", rawId(bc.id)],
    ]);
    for (const event of revoked) {
      expect(event).toMatchObject({ actorType: "admin_token", requestId });
      expect(event.actorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(event.data).toMatchObject({ role: "OWNER", ip: "198.51.100.23" });
    }
    expect(revoked[1]?.data).toMatchObject({ revokedWith: rawId(ab.id) });
    expect(await verifyAuditChain(events)).toMatchObject({ valid: true });
  });

  it("carry them when deleting an agent revokes its grants", async () => {
    const { orgId, b, ab, bc, token } = await chainOfThree();
    const requestId = await postAs(
      token,
      `mutation ($id: ID!) { deleteAgent(input: { id: $id }) { deletedId disabled } }`,
      { id: b.id },
    );
    const events = await eventsOf(orgId);
    const revoked = events.filter((event) => event.action.startsWith("delegation_grant.revoked"));
    expect(revoked.map((event) => event.targetId).sort()).toEqual(
      [rawId(ab.id), rawId(bc.id)].sort(),
    );
    for (const event of revoked) {
      expect(event).toMatchObject({ actorType: "admin_token", requestId });
      expect(event.data).toMatchObject({ role: "OWNER", ip: "198.51.100.23" });
    }
    expect(revoked.find((event) => event.targetId === rawId(ab.id))?.data).toMatchObject({
      reason: "agent deleted",
    });
  });
});
