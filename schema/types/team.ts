import { eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { teams } from "../../db/schema/index.ts";
import { orgScopeOf, requireOrgRole } from "../access.ts";
import { builder } from "../builder.ts";
import { explainWriteError } from "../errors.ts";
import { Org } from "./org.ts";

export type TeamRow = typeof teams.$inferSelect;

export const Team = builder.node(builder.objectRef<TeamRow>("Team"), {
  id: { resolve: (team) => team.id },
  authScopes: (team) => ({ orgReader: team.orgId }),
  loadMany: async (ids, context) => {
    const rows = await context.services.sql.db
      .select()
      .from(teams)
      .where(inArray(teams.id, [...ids]));
    const scope = orgScopeOf(context.viewer);
    return ids.map(
      (id) => rows.find((row) => row.id === id && (scope.all || row.orgId === scope.orgId)) ?? null,
    );
  },
  fields: (t) => ({
    name: t.exposeString("name"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.objectField(Org, "teams", (t) =>
  t.field({
    type: [Team],
    resolve: (org, _args, context) =>
      context.services.sql.db.select().from(teams).where(eq(teams.orgId, org.id)),
  }),
);

const CreateTeamPayload = builder.simpleObject("CreateTeamPayload", {
  fields: (t) => ({ team: t.field({ type: Team }) }),
});

builder.mutationField("createTeam", (t) =>
  t.field({
    type: CreateTeamPayload,
    authScopes: { authenticated: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateTeamInput", {
          fields: (f) => ({
            orgId: f.globalID({ required: true, for: Org }),
            name: f.string({ required: true, validate: z.string().trim().min(1).max(200) }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      requireOrgRole(context, input.orgId.id, "ADMIN");
      try {
        const [team] = await context.services.sql.db
          .insert(teams)
          .values({ orgId: input.orgId.id, name: input.name.trim() })
          .returning();
        if (!team) throw new Error("insert returned no row");
        return { team };
      } catch (error) {
        explainWriteError(error, {
          conflict: `a team named "${input.name}" already exists`,
          missing: "org",
        });
      }
    },
  }),
);
