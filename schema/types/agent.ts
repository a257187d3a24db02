/**
 * Agents in the admin API: `createAgent`, `updateAgent`, `deleteAgent`, `agents` on Org. An agent
 * is a principal with its own virtual keys (`createVirtualKey(agentId:)`), budgets and rate limits
 * (scope AGENT), and the party of delegation grants (delegation-grant.ts).
 */
import { encodeGlobalID, resolveArrayConnection } from "@pothos/plugin-relay";
import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import { agents, teams, virtualKeys } from "../../db/schema/index.ts";
import { appendAuditEvent } from "../../functions/audit/append-audit-event.ts";
import { revokeGrantsOfAgent } from "../../functions/delegation/revoke-grants.ts";
import { orgScopeOf, requireOrgRole } from "../access.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, explainWriteError, notFound } from "../errors.ts";
import { Org } from "./org.ts";
import { Team } from "./team.ts";

export type AgentRow = typeof agents.$inferSelect;

export const Agent = builder.node(builder.objectRef<AgentRow>("Agent"), {
  description: "A principal that calls models with its own virtual keys and may delegate.",
  id: { resolve: (agent) => agent.id },
  authScopes: (agent) => ({ orgReader: agent.orgId }),
  loadMany: async (ids, context) => {
    const scope = orgScopeOf(context.viewer);
    const valid = ids.filter((id) => z.uuid().safeParse(id).success);
    if (valid.length === 0) return ids.map(() => null);
    const rows = await context.services.sql.db
      .select()
      .from(agents)
      .where(inArray(agents.id, valid));
    return ids.map(
      (id) => rows.find((row) => row.id === id && (scope.all || row.orgId === scope.orgId)) ?? null,
    );
  },
  fields: (t) => ({
    name: t.exposeString("name"),
    metadata: t.expose("metadata", { type: "JSONObject" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    disabledAt: t.expose("disabledAt", {
      type: "DateTime",
      nullable: true,
      description: "Set by deleteAgent when the agent still had keys or grants to keep on record.",
    }),
    team: t.field({
      type: Team,
      nullable: true,
      resolve: async (agent, _args, context) => {
        if (!agent.teamId) return null;
        const [team] = await context.services.sql.db
          .select()
          .from(teams)
          .where(eq(teams.id, agent.teamId));
        return team ?? null;
      },
    }),
  }),
});

/** The agent, if the viewer may see it; the tenant check happens in SQL, as for every loader. */
export async function loadAgent(context: GraphQLContext, id: string): Promise<AgentRow | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const scope = orgScopeOf(context.viewer);
  const [row] = await context.services.sql.db
    .select()
    .from(agents)
    .where(scope.all ? eq(agents.id, id) : and(eq(agents.id, id), eq(agents.orgId, scope.orgId)));
  return row ?? null;
}

/** Who did it, as the audit trail names admin actors. */
export function auditActorOf(context: GraphQLContext): {
  actorType: string;
  actorId: string | null;
} {
  const viewer = context.viewer;
  if (viewer?.kind === "admin") return { actorType: "admin_token", actorId: viewer.tokenId };
  return { actorType: "master", actorId: null };
}

builder.objectField(Org, "agents", (t) =>
  t.connection({
    type: Agent,
    resolve: async (org, args, context) => {
      const rows = await context.services.sql.db
        .select()
        .from(agents)
        .where(eq(agents.orgId, org.id))
        .orderBy(desc(agents.createdAt));
      return resolveArrayConnection({ args }, rows);
    },
  }),
);

const AgentPayload = (name: string) =>
  builder.simpleObject(name, { fields: (t) => ({ agent: t.field({ type: Agent }) }) });
const CreateAgentPayload = AgentPayload("CreateAgentPayload");
const UpdateAgentPayload = AgentPayload("UpdateAgentPayload");
const DeleteAgentPayload = builder.simpleObject("DeleteAgentPayload", {
  fields: (t) => ({
    deletedId: t.id(),
    disabled: t.boolean({
      description:
        "True when the agent was kept, disabled, because keys or grants name it (audit history).",
    }),
  }),
});

const agentName = z.string().trim().min(1).max(200);

async function requireTeamInOrg(context: GraphQLContext, teamId: string, orgId: string) {
  const [team] = await context.services.sql.db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.id, teamId), eq(teams.orgId, orgId)));
  if (!team) throw notFound("team");
}

builder.mutationFields((t) => ({
  createAgent: t.field({
    type: CreateAgentPayload,
    authScopes: { authenticated: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateAgentInput", {
          fields: (f) => ({
            orgId: f.globalID({ required: true, for: Org }),
            teamId: f.globalID({ for: Team }),
            name: f.string({ required: true, validate: agentName }),
            metadata: f.field({ type: "JSONObject" }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const orgId = input.orgId.id;
      requireOrgRole(context, orgId, "ADMIN");
      if (input.teamId) await requireTeamInOrg(context, input.teamId.id, orgId);
      const agent = await context.services.sql.db
        .transaction(async (tx) => {
          const [row] = await tx
            .insert(agents)
            .values({
              orgId,
              teamId: input.teamId?.id ?? null,
              name: input.name.trim(),
              metadata: input.metadata ?? {},
            })
            .returning();
          if (!row) throw new Error("insert returned no row");
          await appendAuditEvent(tx, {
            orgId,
            ...auditActorOf(context),
            action: "agent.created",
            targetType: "agent",
            targetId: row.id,
            data: { name: row.name, teamId: row.teamId },
          });
          return row;
        })
        .catch((error: unknown) =>
          explainWriteError(error, { conflict: "agent already exists", missing: "org" }),
        );
      return { agent };
    },
  }),

  updateAgent: t.field({
    type: UpdateAgentPayload,
    authScopes: { authenticated: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("UpdateAgentInput", {
          description:
            "Omitted fields stay as they are; a null teamId takes the agent off its team.",
          fields: (f) => ({
            id: f.globalID({ required: true, for: Agent }),
            name: f.string({ validate: agentName.optional() }),
            teamId: f.globalID({ for: Team }),
            metadata: f.field({ type: "JSONObject" }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const agent = await loadAgent(context, input.id.id);
      if (!agent) throw notFound("agent");
      requireOrgRole(context, agent.orgId, "ADMIN");
      const changes: Partial<Pick<AgentRow, "name" | "teamId" | "metadata">> = {};
      if (input.name !== undefined) {
        if (input.name === null) throw badInput("input.name: an agent keeps a name");
        changes.name = input.name.trim();
      }
      if (input.teamId !== undefined) {
        if (input.teamId) await requireTeamInOrg(context, input.teamId.id, agent.orgId);
        changes.teamId = input.teamId?.id ?? null;
      }
      if (input.metadata !== undefined) changes.metadata = input.metadata ?? {};
      if (Object.keys(changes).length === 0) return { agent };
      const updated = await context.services.sql.db.transaction(async (tx) => {
        const [row] = await tx
          .update(agents)
          .set(changes)
          .where(eq(agents.id, agent.id))
          .returning();
        await appendAuditEvent(tx, {
          orgId: agent.orgId,
          ...auditActorOf(context),
          action: "agent.updated",
          targetType: "agent",
          targetId: agent.id,
          data: { changed: Object.keys(changes).sort() },
        });
        return row ?? agent;
      });
      // A team change moves where the agent's spend is carried up: limits are re-planned.
      await context.services.limits.announceChange(agent.orgId);
      return { agent: updated };
    },
  }),

  deleteAgent: t.field({
    type: DeleteAgentPayload,
    authScopes: { authenticated: true },
    description:
      "Deletes an agent nothing refers to. One that owns keys or is party to grants is disabled " +
      "instead: its keys and every grant from or to it (and below those) are revoked at once.",
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("DeleteAgentInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: Agent }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const agent = await loadAgent(context, input.id.id);
      if (!agent) throw notFound("agent");
      requireOrgRole(context, agent.orgId, "ADMIN");
      const { sql, clock } = context.services;
      const now = new Date(clock());
      const outcome = await sql.db.transaction(async (tx) => {
        const [key] = await tx
          .select({ id: virtualKeys.id })
          .from(virtualKeys)
          .where(eq(virtualKeys.agentId, agent.id))
          .limit(1);
        const revoked = await revokeGrantsOfAgent(tx, agent, now, auditActorOf(context));
        const referenced = key !== undefined || revoked.touched;
        if (referenced) {
          await tx.update(agents).set({ disabledAt: now }).where(eq(agents.id, agent.id));
          await tx
            .update(virtualKeys)
            .set({ revokedAt: now })
            .where(and(eq(virtualKeys.agentId, agent.id), isNull(virtualKeys.revokedAt)));
        } else {
          await tx.delete(agents).where(eq(agents.id, agent.id));
        }
        await appendAuditEvent(tx, {
          orgId: agent.orgId,
          ...auditActorOf(context),
          action: referenced ? "agent.disabled" : "agent.deleted",
          targetType: "agent",
          targetId: agent.id,
          createdAt: now,
        });
        return { referenced, revoked };
      });
      await context.services.grants.publishRevocations(outcome.revoked.grants);
      if (outcome.referenced) {
        context.services.virtualKeys.forgetOrg(agent.orgId);
        await context.services.limits.announceChange(agent.orgId);
      }
      return { deletedId: encodeGlobalID("Agent", agent.id), disabled: outcome.referenced };
    },
  }),
}));
