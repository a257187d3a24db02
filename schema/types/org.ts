/**
 * Orgs: `org`, `orgs`, `createOrg` (master key), `updateOrg` (ADMIN), `deleteOrg` (OWNER: it
 * takes every team, key, token, provider and limit of the org with it; the audit trail stays).
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { orgs } from "../../db/schema/index.ts";
import { loadInOrg, loadManyInOrg, tenantFilter } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byTextThenUuid, tableConnection } from "../connections.ts";
import { notFound } from "../errors.ts";

export type OrgRow = typeof orgs.$inferSelect;

/** An org "belongs to" itself: the choke point filters it by its own id. */
export const ORGS = { table: orgs, id: orgs.id, orgId: orgs.id };

const orgName = z.string().trim().min(1).max(200);

export const Org = builder.node(builder.objectRef<OrgRow>("Org"), {
  id: { resolve: (org) => org.id },
  authScopes: (org) => ({ orgReader: org.id }),
  loadMany: (ids, context) => loadManyInOrg<OrgRow>(context, ORGS, ids),
  fields: (t) => ({
    name: t.exposeString("name"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryFields((t) => ({
  orgs: t.connection(
    {
      type: Org,
      authScopes: { authenticated: true },
      description:
        "Every org for the master key, the token's own org otherwise; by name, a page at a time (at most 100).",
      resolve: (_root, args, context) =>
        tableConnection(
          context,
          args,
          orgs,
          tenantFilter(context, orgs.id),
          byTextThenUuid(orgs.name, orgs.id, (org: OrgRow) => org.name),
        ),
    },
    { name: "OrgConnection" },
    { name: "OrgEdge" },
  ),
  org: t.field({
    type: Org,
    // Another org's id reads as absent (NOT_FOUND), as through node(id:).
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ required: true, for: Org }) },
    resolve: async (_root, args, context) => {
      const org = await loadInOrg<OrgRow>(context, ORGS, args.id.id);
      if (!org) throw notFound("org");
      return org;
    },
  }),
}));

const OrgPayload = (name: string) =>
  builder.simpleObject(name, { fields: (t) => ({ org: t.field({ type: Org }) }) });

const OrgIdInput = (name: string) =>
  builder.inputType(name, {
    fields: (f) => ({ id: f.globalID({ required: true, for: Org }) }),
  });

builder.mutationFields((t) => ({
  createOrg: t.field({
    type: OrgPayload("CreateOrgPayload"),
    authScopes: { master: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateOrgInput", {
          fields: (f) => ({ name: f.string({ required: true, validate: orgName }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const id = crypto.randomUUID();
      return auditedWrite(context, {
        orgId: id,
        action: "org.created",
        targetType: "org",
        write: async (tx) => {
          const [org] = await tx.insert(orgs).values({ id, name: input.name.trim() }).returning();
          if (!org) throw new Error("insert returned no row");
          return { result: { org }, targetId: org.id, after: org };
        },
      });
    },
  }),

  updateOrg: t.field({
    type: OrgPayload("UpdateOrgPayload"),
    authScopes: (_root, { input }) => ({ orgWriter: input.id.id }),
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("UpdateOrgInput", {
          fields: (f) => ({
            id: f.globalID({ required: true, for: Org }),
            name: f.string({ required: true, validate: orgName }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const before = await loadInOrg<OrgRow>(context, ORGS, input.id.id);
      if (!before) throw notFound("org");
      return auditedWrite(context, {
        orgId: before.id,
        action: "org.updated",
        targetType: "org",
        write: async (tx) => {
          const [org] = await tx
            .update(orgs)
            .set({ name: input.name.trim() })
            .where(eq(orgs.id, before.id))
            .returning();
          if (!org) throw notFound("org");
          return { result: { org }, targetId: org.id, before, after: org };
        },
      });
    },
  }),

  deleteOrg: t.field({
    type: builder.simpleObject("DeleteOrgPayload", {
      fields: (f) => ({ deletedId: f.id({ description: "The global id the org had." }) }),
    }),
    description:
      "Deletes the org and everything in it (teams, keys, tokens, providers, routes, limits). Its audit trail is kept and still verifies.",
    authScopes: (_root, { input }) => ({ orgOwner: input.id.id }),
    args: { input: t.arg({ type: OrgIdInput("DeleteOrgInput"), required: true }) },
    resolve: async (_root, { input }, context) => {
      const before = await loadInOrg<OrgRow>(context, ORGS, input.id.id);
      if (!before) throw notFound("org");
      const result = await auditedWrite(context, {
        orgId: before.id,
        action: "org.deleted",
        targetType: "org",
        write: async (tx) => {
          await tx.delete(orgs).where(eq(orgs.id, before.id));
          return {
            result: { deletedId: encodeGlobalID("Org", before.id) },
            targetId: before.id,
            before,
          };
        },
      });
      context.services.virtualKeys.forgetOrg(before.id);
      context.services.models.forget(before.id);
      await context.services.limits.announceChange(before.id);
      return result;
    },
  }),
}));
