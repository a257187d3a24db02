import { asc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { orgs } from "../../db/schema/index.ts";
import { orgScopeOf, requireMaster } from "../access.ts";
import { builder } from "../builder.ts";
import { notFound } from "../errors.ts";

export type OrgRow = typeof orgs.$inferSelect;

export const Org = builder.node(builder.objectRef<OrgRow>("Org"), {
  id: { resolve: (org) => org.id },
  authScopes: (org) => ({ orgReader: org.id }),
  loadMany: async (ids, context) => {
    const scope = orgScopeOf(context.viewer);
    const visible = scope.all ? ids : ids.filter((id) => id === scope.orgId);
    if (visible.length === 0) return ids.map(() => null);
    const rows = await context.services.sql.db
      .select()
      .from(orgs)
      .where(inArray(orgs.id, [...visible]));
    return ids.map((id) => rows.find((row) => row.id === id) ?? null);
  },
  fields: (t) => ({
    name: t.exposeString("name"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryFields((t) => ({
  orgs: t.field({
    type: [Org],
    authScopes: { authenticated: true },
    description: "Every org for the master key; the token's own org otherwise.",
    resolve: async (_root, _args, context) => {
      const scope = orgScopeOf(context.viewer);
      const query = context.services.sql.db.select().from(orgs).orderBy(asc(orgs.createdAt));
      return scope.all ? query : query.where(eq(orgs.id, scope.orgId));
    },
  }),
  org: t.field({
    type: Org,
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ required: true, for: Org }) },
    resolve: async (_root, args, context) => {
      const scope = orgScopeOf(context.viewer);
      if (!scope.all && scope.orgId !== args.id.id) throw notFound("org");
      const [row] = await context.services.sql.db
        .select()
        .from(orgs)
        .where(eq(orgs.id, args.id.id));
      if (!row) throw notFound("org");
      return row;
    },
  }),
}));

const CreateOrgPayload = builder.simpleObject("CreateOrgPayload", {
  fields: (t) => ({ org: t.field({ type: Org }) }),
});

builder.mutationField("createOrg", (t) =>
  t.field({
    type: CreateOrgPayload,
    authScopes: { master: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateOrgInput", {
          fields: (f) => ({
            name: f.string({ required: true, validate: z.string().trim().min(1).max(200) }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      requireMaster(context);
      const [org] = await context.services.sql.db
        .insert(orgs)
        .values({ name: input.name.trim() })
        .returning();
      if (!org) throw new Error("insert returned no row");
      return { org };
    },
  }),
);
