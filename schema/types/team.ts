/**
 * Teams: `createTeam`, `updateTeam`, `deleteTeam`, and `teams` on Org. The shortest complete
 * example of the pattern in schema/access.ts: scopes beside each field, reads through the tenant
 * choke point, writes through auditedWrite.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { budgets, rateLimits, teams } from "../../db/schema/index.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byTextThenUuid, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { explainDeleteError, explainWriteError, notFound } from "../errors.ts";
import { loaderFor } from "../loaders.ts";
import { Org } from "./org.ts";

export type TeamRow = typeof teams.$inferSelect;

const TEAMS = { table: teams, id: teams.id, orgId: teams.orgId };

const teamName = z.string().trim().min(1).max(200);

export const Team = builder.node(builder.objectRef<TeamRow>("Team"), {
  id: { resolve: (team) => team.id },
  authScopes: (team) => ({ orgReader: team.orgId }),
  loadMany: (ids, context) => loadManyInOrg<TeamRow>(context, TEAMS, ids),
  fields: (t) => ({
    name: t.exposeString("name"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

export const loadTeam = (context: GraphQLContext, id: string) =>
  loadInOrg<TeamRow>(context, TEAMS, id);

/** A team by id within the viewer's org, batched with every other team this request asks for. */
export const loadTeamBatched = (context: GraphQLContext, id: string) =>
  loaderFor(context, "team", (ids: readonly string[]) =>
    loadManyInOrg<TeamRow>(context, TEAMS, ids),
  ).load(id);

builder.objectField(Org, "teams", (t) =>
  t.connection(
    {
      type: Team,
      description: "The org's teams by name, a page at a time (at most 100).",
      resolve: (org, args, context) =>
        tableConnection(
          context,
          args,
          teams,
          eq(teams.orgId, org.id),
          byTextThenUuid(teams.name, teams.id, (team: TeamRow) => team.name),
        ),
    },
    { name: "TeamConnection" },
    { name: "TeamEdge" },
  ),
);

const TeamPayload = (name: string) =>
  builder.simpleObject(name, { fields: (t) => ({ team: t.field({ type: Team }) }) });

const nameTaken = (name: string) => ({
  conflict: `a team named "${name}" already exists`,
  missing: "org",
});

builder.mutationFields((t) => ({
  createTeam: t.field({
    type: TeamPayload("CreateTeamPayload"),
    authScopes: (_root, { input }) => ({ orgWriter: input.orgId.id }),
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateTeamInput", {
          fields: (f) => ({
            orgId: f.globalID({ required: true, for: Org }),
            name: f.string({ required: true, validate: teamName }),
          }),
        }),
      }),
    },
    resolve: (_root, { input }, context) =>
      auditedWrite(context, {
        orgId: input.orgId.id,
        action: "team.created",
        targetType: "team",
        write: async (tx) => {
          const [team] = await tx
            .insert(teams)
            .values({ orgId: input.orgId.id, name: input.name.trim() })
            .returning();
          if (!team) throw new Error("insert returned no row");
          return { result: { team }, targetId: team.id, after: team };
        },
      }).catch((error: unknown) => explainWriteError(error, nameTaken(input.name))),
  }),

  updateTeam: t.field({
    type: TeamPayload("UpdateTeamPayload"),
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("UpdateTeamInput", {
          fields: (f) => ({
            id: f.globalID({ required: true, for: Team }),
            name: f.string({ required: true, validate: teamName }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const before = await loadTeam(context, input.id.id);
      if (!before) throw notFound("team");
      return auditedWrite(context, {
        orgId: before.orgId,
        action: "team.updated",
        targetType: "team",
        write: async (tx) => {
          const [team] = await tx
            .update(teams)
            .set({ name: input.name.trim() })
            .where(eq(teams.id, before.id))
            .returning();
          if (!team) throw notFound("team");
          return { result: { team }, targetId: team.id, before, after: team };
        },
      }).catch((error: unknown) => explainWriteError(error, nameTaken(input.name)));
    },
  }),

  deleteTeam: t.field({
    type: builder.simpleObject("DeleteTeamPayload", {
      fields: (f) => ({ deletedId: f.id({ description: "The global id the team had." }) }),
    }),
    description: "Deletes a team that no virtual key belongs to any more (else CONFLICT).",
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("DeleteTeamInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: Team }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const before = await loadTeam(context, input.id.id);
      if (!before) throw notFound("team");
      return auditedWrite(context, {
        orgId: before.orgId,
        action: "team.deleted",
        targetType: "team",
        write: async (tx) => {
          // Limits set on the team go with it (they hold its id, not a foreign key).
          const onTeam = (table: typeof budgets | typeof rateLimits) =>
            and(eq(table.scope, "TEAM"), eq(table.scopeId, before.id));
          await tx.delete(budgets).where(onTeam(budgets));
          await tx.delete(rateLimits).where(onTeam(rateLimits));
          await tx.delete(teams).where(eq(teams.id, before.id));
          return {
            result: { deletedId: encodeGlobalID("Team", before.id) },
            targetId: before.id,
            before,
          };
        },
      })
        .then(async (result) => {
          await context.services.limits.announceChange(before.orgId);
          return result;
        })
        .catch((error: unknown) =>
          // A key or agent still on the team holds a foreign key to it.
          explainDeleteError(error, "the team still has virtual keys or agents; move them first"),
        );
    },
  }),
}));
