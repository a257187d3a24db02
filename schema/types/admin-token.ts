import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { adminTokens } from "../../db/schema/index.ts";
import { mintToken, TOKEN_KINDS } from "../../functions/security/token-format.ts";
import { orgScopeOf, requireOrgRole } from "../access.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, explainWriteError, notFound } from "../errors.ts";
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
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    lastUsedAt: t.expose("lastUsedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the token last authenticated a request, to within about a minute.",
    }),
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
            expiresAt: f.field({
              type: "DateTime",
              description: "After this instant the token is refused. Omit for no expiry.",
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      // Only an owner may mint tokens, so an ADMIN cannot escalate to OWNER.
      requireOrgRole(context, input.orgId.id, "OWNER");
      if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
        throw badInput("expiresAt must be in the future");
      }
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
          expiresAt: input.expiresAt ?? null,
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

/** An admin token the viewer's scope can see (another org's token reads as absent). */
async function loadAdminToken(context: GraphQLContext, id: string): Promise<AdminTokenRow | null> {
  const scope = orgScopeOf(context.viewer);
  if (!z.uuid().safeParse(id).success) return null;
  const [row] = await context.services.sql.db
    .select()
    .from(adminTokens)
    .where(
      scope.all
        ? eq(adminTokens.id, id)
        : and(eq(adminTokens.id, id), eq(adminTokens.orgId, scope.orgId)),
    );
  return row ?? null;
}

/**
 * The token a revoke or rotate acts on. Only an OWNER of its org (or the master key) may, as
 * only an OWNER may create tokens: an ADMIN must not take over or lock out an OWNER's token.
 */
async function tokenToManage(context: GraphQLContext, id: string): Promise<AdminTokenRow> {
  const token = await loadAdminToken(context, id);
  if (!token) throw notFound("admin token");
  requireOrgRole(context, token.orgId, "OWNER");
  return token;
}

const AdminTokenIdInput = (name: string) =>
  builder.inputType(name, {
    fields: (f) => ({ id: f.globalID({ required: true, for: AdminToken }) }),
  });

const RotateAdminTokenPayload = builder.simpleObject("RotateAdminTokenPayload", {
  fields: (t) => ({
    token: t.field({ type: AdminToken }),
    secret: t.string({
      description: "The new bearer token, shown once. The old secret stopped working at once.",
    }),
  }),
});

const RevokeAdminTokenPayload = builder.simpleObject("RevokeAdminTokenPayload", {
  fields: (t) => ({ token: t.field({ type: AdminToken }) }),
});

builder.mutationFields((t) => ({
  rotateAdminToken: t.field({
    type: RotateAdminTokenPayload,
    description:
      "A new secret for the token, keeping its id, role and expiry. The old secret is refused from the next request on, on every instance; there is no grace period (an admin token is held by a person or one deployment, not a fleet).",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: AdminTokenIdInput("RotateAdminTokenInput"), required: true }) },
    resolve: async (_root, { input }, context) => {
      const token = await tokenToManage(context, input.id.id);
      if (token.revokedAt) throw badInput("a revoked token cannot be rotated");
      if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) {
        throw badInput("an expired token cannot be rotated; create a new one");
      }
      const minted = mintToken(TOKEN_KINDS.adminToken);
      const secretHash = await context.services.keyring.hashSecret(minted.secret);
      const [rotated] = await context.services.sql.db
        .update(adminTokens)
        .set({ prefix: minted.prefix, secretHash })
        // A revocation that landed meanwhile wins.
        .where(and(eq(adminTokens.id, token.id), isNull(adminTokens.revokedAt)))
        .returning()
        .catch((error: unknown) =>
          explainWriteError(error, { conflict: "token collision; retry", missing: "admin token" }),
        );
      if (!rotated) throw badInput("a revoked token cannot be rotated");
      return { token: rotated, secret: minted.secret };
    },
  }),

  revokeAdminToken: t.field({
    type: RevokeAdminTokenPayload,
    description: "Refuses the token from the next request on, on every instance. Idempotent.",
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: AdminTokenIdInput("RevokeAdminTokenInput"), required: true }) },
    resolve: async (_root, { input }, context) => {
      const token = await tokenToManage(context, input.id.id);
      const [revoked] = await context.services.sql.db
        .update(adminTokens)
        .set({ revokedAt: token.revokedAt ?? new Date() })
        .where(eq(adminTokens.id, token.id))
        .returning();
      return { token: revoked ?? token };
    },
  }),
}));
