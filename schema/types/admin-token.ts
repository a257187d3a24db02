import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { adminTokens } from "../../db/schema/index.ts";
import { mintToken, TOKEN_KINDS } from "../../functions/security/token-format.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byTextThenUuid, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, explainWriteError, notFound } from "../errors.ts";
import { Org } from "./org.ts";

export type AdminTokenRow = typeof adminTokens.$inferSelect;

export const AdminRoleEnum = builder.enumType("AdminRole", {
  values: ["OWNER", "ADMIN", "VIEWER"] as const,
});

const ADMIN_TOKENS = { table: adminTokens, id: adminTokens.id, orgId: adminTokens.orgId };

export const AdminToken = builder.node(builder.objectRef<AdminTokenRow>("AdminToken"), {
  id: { resolve: (token) => token.id },
  // Tokens are the OWNER's business: an ADMIN or VIEWER does not even see who holds one.
  authScopes: (token) => ({ orgOwner: token.orgId }),
  loadMany: (ids, context) => loadManyInOrg<AdminTokenRow>(context, ADMIN_TOKENS, ids),
  fields: (t) => ({
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
  t.connection(
    {
      type: AdminToken,
      description: "The org's admin tokens by name, a page at a time (at most 100). OWNER only.",
      authScopes: (org) => ({ orgOwner: org.id }),
      resolve: (org, args, context) =>
        tableConnection(
          context,
          args,
          adminTokens,
          eq(adminTokens.orgId, org.id),
          byTextThenUuid(adminTokens.name, adminTokens.id, (token: AdminTokenRow) => token.name),
        ),
    },
    { name: "AdminTokenConnection" },
    { name: "AdminTokenEdge" },
  ),
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
    // Only an owner may mint tokens, so an ADMIN cannot escalate to OWNER.
    authScopes: (_root, { input }) => ({ orgOwner: input.orgId.id }),
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
      // Admin tokens keep time by the injected clock, as authenticate.ts checks their expiry.
      const now = context.services.clock();
      if (input.expiresAt && input.expiresAt.getTime() <= now) {
        throw badInput("input.expiresAt: must be in the future");
      }
      const minted = mintToken(TOKEN_KINDS.adminToken);
      const secretHash = await context.services.keyring.hashSecret(minted.secret);
      return auditedWrite(context, {
        orgId: input.orgId.id,
        action: "admin_token.created",
        targetType: "admin_token",
        write: async (tx) => {
          const [token] = await tx
            .insert(adminTokens)
            .values({
              orgId: input.orgId.id,
              role: input.role,
              name: input.name.trim(),
              prefix: minted.prefix,
              secretHash,
              expiresAt: input.expiresAt ?? null,
            })
            .returning();
          if (!token) throw new Error("insert returned no row");
          return { result: { token, secret: minted.secret }, targetId: token.id, after: token };
        },
      }).catch((error: unknown) =>
        explainWriteError(error, { conflict: "token collision; retry", missing: "org" }),
      );
    },
  }),
);

/** The token a revoke or rotate acts on, within the viewer's org (else NOT_FOUND). */
async function tokenToManage(context: GraphQLContext, id: string): Promise<AdminTokenRow> {
  const token = await loadInOrg<AdminTokenRow>(context, ADMIN_TOKENS, id);
  if (!token) throw notFound("admin token");
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
    authScopes: { owner: true },
    args: { input: t.arg({ type: AdminTokenIdInput("RotateAdminTokenInput"), required: true }) },
    resolve: async (_root, { input }, context) => {
      const token = await tokenToManage(context, input.id.id);
      if (token.revokedAt) throw badInput("a revoked token cannot be rotated");
      if (token.expiresAt && token.expiresAt.getTime() <= context.services.clock()) {
        throw badInput("an expired token cannot be rotated; create a new one");
      }
      const minted = mintToken(TOKEN_KINDS.adminToken);
      const secretHash = await context.services.keyring.hashSecret(minted.secret);
      return auditedWrite(context, {
        orgId: token.orgId,
        action: "admin_token.rotated",
        targetType: "admin_token",
        write: async (tx) => {
          const [rotated] = await tx
            .update(adminTokens)
            .set({ prefix: minted.prefix, secretHash })
            // A revocation that landed meanwhile wins.
            .where(and(eq(adminTokens.id, token.id), isNull(adminTokens.revokedAt)))
            .returning();
          if (!rotated) throw badInput("a revoked token cannot be rotated");
          return {
            result: { token: rotated, secret: minted.secret },
            targetId: token.id,
            before: token,
            after: rotated,
          };
        },
      }).catch((error: unknown) =>
        explainWriteError(error, { conflict: "token collision; retry", missing: "admin token" }),
      );
    },
  }),

  revokeAdminToken: t.field({
    type: RevokeAdminTokenPayload,
    description: "Refuses the token from the next request on, on every instance. Idempotent.",
    authScopes: { owner: true },
    args: { input: t.arg({ type: AdminTokenIdInput("RevokeAdminTokenInput"), required: true }) },
    resolve: async (_root, { input }, context) => {
      const token = await tokenToManage(context, input.id.id);
      return auditedWrite(context, {
        orgId: token.orgId,
        action: "admin_token.revoked",
        targetType: "admin_token",
        write: async (tx) => {
          const [revoked] = await tx
            .update(adminTokens)
            .set({ revokedAt: token.revokedAt ?? new Date(context.services.clock()) })
            .where(eq(adminTokens.id, token.id))
            .returning();
          return {
            result: { token: revoked ?? token },
            targetId: token.id,
            before: token,
            after: revoked,
          };
        },
      });
    },
  }),
}));
