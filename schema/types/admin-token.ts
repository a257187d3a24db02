import { eq } from "drizzle-orm";
import { z } from "zod";
import { adminTokens } from "../../db/schema/index.ts";
import { mintToken, TOKEN_KINDS } from "../../functions/security/token-format.ts";
import { requireOrgRole } from "../access.ts";
import { builder } from "../builder.ts";
import { explainWriteError } from "../errors.ts";
import { Org } from "./org.ts";

export type AdminTokenRow = typeof adminTokens.$inferSelect;

export const AdminRoleEnum = builder.enumType("AdminRole", {
  values: ["OWNER", "ADMIN", "VIEWER"] as const,
});

export const AdminToken = builder.objectRef<AdminTokenRow>("AdminToken").implement({
  authScopes: (token) => ({ orgReader: token.orgId }),
  fields: (t) => ({
    id: t.globalID({ resolve: (token) => ({ type: "AdminToken", id: token.id }) }),
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix"),
    role: t.field({ type: AdminRoleEnum, resolve: (token) => token.role }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

builder.objectField(Org, "adminTokens", (t) =>
  t.field({
    type: [AdminToken],
    authScopes: (org) => ({ orgOwner: org.id }),
    resolve: (org, _args, context) =>
      context.services.sql.db.select().from(adminTokens).where(eq(adminTokens.orgId, org.id)),
  }),
);

const CreateAdminTokenPayload = builder.simpleObject("CreateAdminTokenPayload", {
  fields: (t) => ({
    token: t.field({ type: AdminToken }),
    secret: t.string({ description: "The bearer token. Shown once; only a keyed hash is stored." }),
  }),
});

builder.mutationField("createAdminToken", (t) =>
  t.field({
    type: CreateAdminTokenPayload,
    authScopes: { authenticated: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateAdminTokenInput", {
          fields: (f) => ({
            orgId: f.globalID({ required: true, for: Org }),
            role: f.field({ type: AdminRoleEnum, required: true }),
            name: f.string({ required: true, validate: z.string().trim().min(1).max(200) }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      // Only an owner may mint tokens, so an ADMIN cannot escalate to OWNER.
      requireOrgRole(context, input.orgId.id, "OWNER");
      const minted = mintToken(TOKEN_KINDS.adminToken);
      const secretHash = await context.services.keyring.hashSecret(minted.secret);
      const [token] = await context.services.sql.db
        .insert(adminTokens)
        .values({
          orgId: input.orgId.id,
          role: input.role,
          name: input.name.trim(),
          prefix: minted.prefix,
          secretHash,
        })
        .returning()
        .catch((error: unknown) =>
          explainWriteError(error, { conflict: "token collision; retry", missing: "org" }),
        );
      if (!token) throw new Error("insert returned no row");
      return { token, secret: minted.secret };
    },
  }),
);
