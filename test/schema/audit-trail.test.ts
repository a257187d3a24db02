/**
 * Every admin change is in the org's audit trail, written in the same transaction as the change;
 * the trail is read through `auditEvents` and checked through `verifyAuditChain`.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { teams } from "../../db/schema/index.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { codesOf, createAdminToken, createOrg, rawId } from "./admin-helpers.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

interface AuditNode {
  id: string;
  seq: number;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  data: { role?: string; ip?: string | null; before?: unknown; after?: unknown };
}

const EVENTS = `query ($filter: AuditEventFilter!, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id seq actorType actorId action targetType targetId requestId data } }
    pageInfo { hasNextPage endCursor }
  }
}`;

async function eventsOf(orgId: string, filter: Record<string, unknown> = {}, first = 100) {
  const data = await gateway.admin<{
    auditEvents: { edges: Array<{ node: AuditNode }> };
  }>(EVENTS, { filter: { orgId, ...filter }, first });
  return data.auditEvents.edges.map((edge) => edge.node);
}

/** POST /graphql with headers of our choosing; the body and the response's request id. */
async function post(query: string, variables: Record<string, unknown>, token: string) {
  const response = await gateway.app.fetch(
    new Request("http://switchyard.test/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
        "x-forwarded-for": "203.0.113.7, 10.0.0.1",
      },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  return { body, requestId: response.headers.get("x-request-id") };
}

function createdTeamId(body: { data?: Record<string, unknown> }): string {
  const payload = body.data?.createTeam as { team: { id: string } } | undefined;
  if (!payload) throw new Error(`createTeam failed: ${JSON.stringify(body)}`);
  return payload.team.id;
}

describe("audit events of admin changes", () => {
  it("records actor, role, action, target, request id, client IP, before and after", async () => {
    const orgId = await createOrg(gateway, "audited");
    const ownerToken = await createAdminToken(gateway, orgId, "OWNER");
    const { body, requestId } = await post(
      `mutation ($orgId: ID!) { createTeam(input: { orgId: $orgId, name: "blue" }) { team { id } } }`,
      { orgId },
      ownerToken,
    );
    const teamId = createdTeamId(body);
    await post(
      `mutation ($id: ID!) { updateTeam(input: { id: $id, name: "green" }) { team { id } } }`,
      { id: teamId },
      ownerToken,
    );

    const events = await eventsOf(orgId);
    expect(events.map((event) => event.action)).toEqual([
      "org.created",
      "admin_token.created",
      "team.created",
      "team.updated",
    ]);
    const [created, updated] = events.slice(2);
    expect(created).toMatchObject({
      actorType: "admin_token",
      targetType: "team",
      targetId: rawId(teamId),
      requestId,
      data: { role: "OWNER", ip: "203.0.113.7", before: null, after: { name: "blue" } },
    });
    expect(created?.actorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(updated?.data).toMatchObject({ before: { name: "blue" }, after: { name: "green" } });
    expect(events[0]).toMatchObject({ actorType: "master", data: { role: "MASTER" } });
  });

  it("never copies a secret into the trail", async () => {
    const orgId = await createOrg(gateway, "secretive");
    const made = await gateway.admin<{
      createVirtualKey: { secret: string };
      createAdminToken: { secret: string };
    }>(
      `mutation ($orgId: ID!, $config: JSONObject!) {
        createVirtualKey(input: { orgId: $orgId, name: "k" }) { secret }
        createAdminToken(input: { orgId: $orgId, role: VIEWER, name: "t" }) { secret }
        createProvider(input: { orgId: $orgId, kind: "openai", name: "p", apiKey: "sk-very-secret-value",
          config: $config }) { provider { id } }
        createWebhook(input: { orgId: $orgId, url: "http://127.0.0.1:9/hook" }) { secret }
      }`,
      { orgId, config: { headers: { "x-extra": "header-secret-value" } } },
    );
    const text = JSON.stringify(await eventsOf(orgId));
    expect(text).toContain("provider.created");
    for (const secret of [
      made.createVirtualKey.secret,
      made.createAdminToken.secret,
      "sk-very-secret-value",
      "header-secret-value",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/secretHash|Ciphertext/);
  });

  it("writes nothing when the audit event cannot be appended", async () => {
    const orgId = await createOrg(gateway, "unauditable");
    const db = gateway.services.sql.db;
    // A real failure inside the same transaction: Postgres refuses this one audit row.
    await db.execute(sql`create function refuse_team_audit() returns trigger language plpgsql as $$
      begin
        if new.action = 'team.created' then raise exception 'audit store refused'; end if;
        return new;
      end $$`);
    await db.execute(sql`create trigger refuse_team_audit before insert on audit_events
      for each row execute function refuse_team_audit()`);
    try {
      const result = await gateway.graphql(
        `mutation ($orgId: ID!) { createTeam(input: { orgId: $orgId, name: "ghost" }) { team { id } } }`,
        { orgId },
      );
      expect(codesOf(result)).toEqual(["INTERNAL_SERVER_ERROR"]);
      expect(
        await db
          .select()
          .from(teams)
          .where(eq(teams.orgId, rawId(orgId))),
      ).toEqual([]);
    } finally {
      await db.execute(sql`drop trigger refuse_team_audit on audit_events`);
      await db.execute(sql`drop function refuse_team_audit()`);
    }
  });
});

describe("auditEvents", () => {
  it("pages through the trail with cursors, at most 100 per page", async () => {
    const orgId = await createOrg(gateway, "paged");
    for (const name of ["a", "b", "c", "d"]) {
      await gateway.admin(
        `mutation ($orgId: ID!, $name: String!) { createTeam(input: { orgId: $orgId, name: $name }) { team { id } } }`,
        { orgId, name },
      );
    }
    const seen: number[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const data: {
        auditEvents: {
          edges: Array<{ node: { seq: number } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } = await gateway.admin(EVENTS, { filter: { orgId }, first: 2, after });
      seen.push(...data.auditEvents.edges.map((edge) => edge.node.seq));
      if (!data.auditEvents.pageInfo.hasNextPage) break;
      after = data.auditEvents.pageInfo.endCursor;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    const tooMany = await gateway.graphql(EVENTS, { filter: { orgId }, first: 101 });
    expect(codesOf(tooMany)).toEqual(["BAD_USER_INPUT"]);
    const badCursor = await gateway.graphql(EVENTS, { filter: { orgId }, after: "nope" });
    expect(codesOf(badCursor)).toEqual(["BAD_USER_INPUT"]);
  });

  it("filters by actor, action, target and time", async () => {
    const orgId = await createOrg(gateway, "filtered");
    const owner = await createAdminToken(gateway, orgId, "OWNER");
    const { body } = await post(
      `mutation ($orgId: ID!) { createTeam(input: { orgId: $orgId, name: "x" }) { team { id } } }`,
      { orgId },
      owner,
    );
    const teamId = rawId(createdTeamId(body));
    const byAction = await eventsOf(orgId, { action: "team.created" });
    expect(byAction.map((event) => event.targetId)).toEqual([teamId]);
    const actorId = byAction[0]?.actorId;
    expect((await eventsOf(orgId, { actorId })).map((event) => event.action)).toEqual([
      "team.created",
    ]);
    expect(await eventsOf(orgId, { actorType: "master" })).toHaveLength(2);
    expect(await eventsOf(orgId, { targetType: "team", targetId: teamId })).toHaveLength(1);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await eventsOf(orgId, { from: future })).toEqual([]);
    expect(await eventsOf(orgId, { to: future })).toHaveLength(3);
  });
});

describe("verifyAuditChain", () => {
  const VERIFY = `query ($orgId: ID!) { verifyAuditChain(orgId: $orgId) { valid checked firstInvalidId } }`;

  it("holds for an untouched chain and names the row edited in SQL", async () => {
    const orgId = await createOrg(gateway, "tampered");
    for (const name of ["one", "two", "three"]) {
      await gateway.admin(
        `mutation ($orgId: ID!, $name: String!) { createTeam(input: { orgId: $orgId, name: $name }) { team { id } } }`,
        { orgId, name },
      );
    }
    const whole = await gateway.admin<{ verifyAuditChain: unknown }>(VERIFY, { orgId });
    expect(whole.verifyAuditChain).toEqual({ valid: true, checked: 4, firstInvalidId: null });

    const [second] = await eventsOf(orgId, { action: "team.created" });
    if (!second) throw new Error("no team event");
    // What someone with write access to the database could do: bypass the append-only trigger.
    await gateway.services.sql.db.transaction(async (tx) => {
      await tx.execute(sql`alter table audit_events disable trigger audit_events_append_only`);
      await tx.execute(
        sql`update audit_events set data = jsonb_set(data, '{after,name}', '"evil"') where id = ${rawId(second.id)}`,
      );
      await tx.execute(sql`alter table audit_events enable trigger audit_events_append_only`);
    });
    const broken = await gateway.admin<{ verifyAuditChain: unknown }>(VERIFY, { orgId });
    expect(broken.verifyAuditChain).toEqual({
      valid: false,
      checked: second.seq,
      firstInvalidId: second.id,
    });
  });

  it("is refused for another org's token", async () => {
    const orgId = await createOrg(gateway, "private-chain");
    const other = await createAdminToken(gateway, await createOrg(gateway, "nosy"), "OWNER");
    const result = await gateway.graphql(VERIFY, { orgId }, other);
    expect(codesOf(result)).toEqual(["FORBIDDEN"]);
  });
});
