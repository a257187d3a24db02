/**
 * Agents in the admin API: `createAgent`, `updateAgent`, `deleteAgent`, `agents` on Org. An agent
 * is a principal with its own virtual keys (`createVirtualKey(agentId:)`), budgets and rate limits
 * (scope AGENT), and the party of delegation grants (delegation-grant.ts).
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { agents, virtualKeys } from "../../db/schema/index.ts";
import { appendAuditEvent } from "../../functions/audit/append-audit-event.ts";
import { revokeGrantsOfAgent } from "../../functions/delegation/revoke-grants.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite, withoutSecrets } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byTextThenUuid, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, explainWriteError, notFound } from "../errors.ts";
import { Org } from "./org.ts";
import { loadTeam, Team } from "./team.ts";

export type AgentRow = typeof agents.$inferSelect;

const AGENTS = { table: agents, id: agents.id, orgId: agents.orgId };

export const Agent = builder.node(builder.objectRef<AgentRow>("Agent"), {
  description: "A principal that calls models with its own virtual keys and may delegate.",
  id: { resolve: (agent) => agent.id },
  authScopes: (agent) => ({ orgReader: agent.orgId }),
  loadMany: (ids, context) => loadManyInOrg<AgentRow>(context, AGENTS, ids),
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
      resolve: (agent, _args, context) => (agent.teamId ? loadTeam(context, agent.teamId) : null),
    }),
  }),
});

/** The agent, if the viewer may see it (the tenant choke point of access.ts). */
export const loadAgent = (context: GraphQLContext, id: string) =>
  loadInOrg<AgentRow>(context, AGENTS, id);

/** Who did it, as the audit trail names admin actors. */
export function auditActorOf(context: GraphQLContext): {
  actorType: string;
  actorId: string | null;
} {
  const viewer = context.viewer;
  if (viewer?.kind === "admin") return { actorType: "admin_token", actorId: viewer.tokenId };
  return { actorType: "master", actorId: null };
}

/**
 * The request facts auditedWrite records, for the few mutations that append their audit events
 * themselves (see deleteAgent and delegation-grant.ts for why), so their events read alike.
 */
export function auditRequestOf(context: GraphQLContext) {
  const viewer = context.viewer;
  return {
    ...auditActorOf(context),
    requestId: context.requestId,
    data: { role: viewer?.kind === "admin" ? viewer.role : "MASTER", ip: context.clientIp },
  };
}

builder.objectField(Org, "agents", (t) =>
  t.connection({
    type: Agent,
    description: "The org's agents by name, a page at a time (at most 100).",
    resolve: (org, args, context) =>
      tableConnection(
        context,
        args,
        agents,
        eq(agents.orgId, org.id),
        byTextThenUuid(agents.name, agents.id, (agent: AgentRow) => agent.name),
      ),
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

/** The team an agent is put on: one of the agent's own org, seen through the choke point. */
async function requireTeamInOrg(context: GraphQLContext, teamId: string, orgId: string) {
  const team = await loadTeam(context, teamId);
  if (!team || team.orgId !== orgId) throw notFound("team");
}

const agentTaken = { conflict: "agent already exists", missing: "org" };

builder.mutationFields((t) => ({
  createAgent: t.field({
    type: CreateAgentPayload,
    authScopes: (_root, { input }) => ({ orgWriter: input.orgId.id }),
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
      if (input.teamId) await requireTeamInOrg(context, input.teamId.id, orgId);
      return auditedWrite(context, {
        orgId,
        action: "agent.created",
        targetType: "agent",
        write: async (tx) => {
          const [agent] = await tx
            .insert(agents)
            .values({
              orgId,
              teamId: input.teamId?.id ?? null,
              name: input.name.trim(),
              metadata: input.metadata ?? {},
            })
            .returning();
          if (!agent) throw new Error("insert returned no row");
          return { result: { agent }, targetId: agent.id, after: agent };
        },
      }).catch((error: unknown) => explainWriteError(error, agentTaken));
    },
  }),

  updateAgent: t.field({
    type: UpdateAgentPayload,
    authScopes: { writer: true },
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
      const before = await loadAgent(context, input.id.id);
      if (!before) throw notFound("agent");
      const changes: Partial<Pick<AgentRow, "name" | "teamId" | "metadata">> = {};
      if (input.name !== undefined) {
        if (input.name === null) throw badInput("input.name: an agent keeps a name");
        changes.name = input.name.trim();
      }
      if (input.teamId !== undefined) {
        if (input.teamId) await requireTeamInOrg(context, input.teamId.id, before.orgId);
        changes.teamId = input.teamId?.id ?? null;
      }
      if (input.metadata !== undefined) changes.metadata = input.metadata ?? {};
      if (Object.keys(changes).length === 0) return { agent: before };
      const result = await auditedWrite(context, {
        orgId: before.orgId,
        action: "agent.updated",
        targetType: "agent",
        write: async (tx) => {
          const [agent] = await tx
            .update(agents)
            .set(changes)
            .where(eq(agents.id, before.id))
            .returning();
          if (!agent) throw notFound("agent");
          return { result: { agent }, targetId: agent.id, before, after: agent };
        },
      });
      // A team change moves where the agent's spend is carried up: limits are re-planned.
      await context.services.limits.announceChange(before.orgId);
      return result;
    },
  }),

  deleteAgent: t.field({
    type: DeleteAgentPayload,
    authScopes: { writer: true },
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
      const { sql, clock } = context.services;
      const now = new Date(clock());
      const request = auditRequestOf(context);
      // Not auditedWrite: whether the agent is deleted or disabled (the event's action) is only
      // known inside the transaction, and the grant cascade appends one event per revoked grant
      // with its delegation and grant chains, which auditedWrite's single event cannot carry.
      // The change and every event still commit together in this one transaction.
      const outcome = await sql.db.transaction(async (tx) => {
        const [key] = await tx
          .select({ id: virtualKeys.id })
          .from(virtualKeys)
          .where(eq(virtualKeys.agentId, agent.id))
          .limit(1);
        const revoked = await revokeGrantsOfAgent(tx, agent, now, request);
        const referenced = key !== undefined || revoked.touched;
        let after: AgentRow | null = null;
        if (referenced) {
          const [disabled] = await tx
            .update(agents)
            .set({ disabledAt: now })
            .where(eq(agents.id, agent.id))
            .returning();
          after = disabled ?? null;
          await tx
            .update(virtualKeys)
            .set({ revokedAt: now })
            .where(and(eq(virtualKeys.agentId, agent.id), isNull(virtualKeys.revokedAt)));
        } else {
          await tx.delete(agents).where(eq(agents.id, agent.id));
        }
        await appendAuditEvent(tx, {
          orgId: agent.orgId,
          ...request,
          action: referenced ? "agent.disabled" : "agent.deleted",
          targetType: "agent",
          targetId: agent.id,
          data: {
            ...request.data,
            before: withoutSecrets(agent),
            after: after ? withoutSecrets(after) : null,
          },
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
