import { and, eq, gt, isNull, or } from "drizzle-orm";
import { z } from "zod";
import { agents, teams, virtualKeySecrets, virtualKeys } from "../../db/schema/index.ts";
import { MAX_CACHE_AGE_SECONDS } from "../../functions/cache/cache-directive.ts";
import { modelNameSchema } from "../../functions/protocols/openai/chat-request.ts";
import { mintToken, TOKEN_KINDS } from "../../functions/security/token-format.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byUuid, keysetConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, explainWriteError, notFound } from "../errors.ts";
import { Org } from "./org.ts";
import { loadTeamBatched, Team } from "./team.ts";

export type VirtualKeyRow = typeof virtualKeys.$inferSelect;

/**
 * An entry of a key's model allow-list: any name a client may send (a route alias,
 * `<provider>/<model>`), `<provider>/*`, or `*` — the wire's own model-name rule, so every alias
 * a route may have can be listed.
 */
export const modelPattern = z.string().trim().pipe(modelNameSchema);

/** A key's response cache opt-in: whole seconds up to the header's own bound (7 days). */
const cacheTtl = z.number().int().min(1).max(MAX_CACHE_AGE_SECONDS);
const CACHE_TTL_DESCRIPTION =
  "Response cache opt-in for every call of this key: identical requests (same org, model, " +
  "messages and parameters) are answered from a stored answer at most this many seconds old. " +
  "null: not opted in (a route's cacheTtlSeconds or the request's x-switchyard-cache header " +
  "still may); `x-switchyard-cache: no-store` on a request always wins. Both key and route " +
  "set: the shorter.";

export const VirtualKey = builder.node(builder.objectRef<VirtualKeyRow>("VirtualKey"), {
  id: { resolve: (key) => key.id },
  authScopes: (key) => ({ orgReader: key.orgId }),
  loadMany: (ids, context) => loadManyInOrg<VirtualKeyRow>(context, VIRTUAL_KEYS, ids),
  fields: (t) => ({
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix", {
      description: "The start of the secret, for recognising it.",
    }),
    models: t.exposeStringList("models", { nullable: true }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    rpm: t.exposeInt("rpm", { nullable: true }),
    tpm: t.exposeInt("tpm", { nullable: true }),
    maxConcurrency: t.exposeInt("maxConcurrency", { nullable: true }),
    cacheTtlSeconds: t.exposeInt("cacheTtlSeconds", {
      nullable: true,
      description: CACHE_TTL_DESCRIPTION,
    }),
    metadata: t.expose("metadata", { type: "JSONObject" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
    lastUsedAt: t.expose("lastUsedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the key last authenticated a call, to within about a minute.",
    }),
    team: t.field({
      type: Team,
      nullable: true,
      resolve: (key, _args, context) => (key.teamId ? loadTeamBatched(context, key.teamId) : null),
    }),
  }),
});

const VIRTUAL_KEYS = { table: virtualKeys, id: virtualKeys.id, orgId: virtualKeys.orgId };

export const loadKey = (context: GraphQLContext, id: string) =>
  loadInOrg<VirtualKeyRow>(context, VIRTUAL_KEYS, id);

builder.objectField(Org, "virtualKeys", (t) =>
  t.connection(
    {
      type: VirtualKey,
      description: "The org's keys, a page at a time (at most 100).",
      resolve: (org, args, context) =>
        keysetConnection(args, byUuid(virtualKeys.id), (page) =>
          context.services.sql.db
            .select()
            .from(virtualKeys)
            .where(and(eq(virtualKeys.orgId, org.id), page.where))
            .orderBy(...page.orderBy)
            .limit(page.limit),
        ),
    },
    { name: "VirtualKeyConnection" },
    { name: "VirtualKeyEdge" },
  ),
);

const KeySecretPayload = (name: string) =>
  builder.simpleObject(name, {
    fields: (t) => ({
      key: t.field({ type: VirtualKey }),
      secret: t.string({ description: "The key. Shown once; only a keyed hash is stored." }),
    }),
  });

const CreateVirtualKeyPayload = KeySecretPayload("CreateVirtualKeyPayload");
const RotateVirtualKeyPayload = KeySecretPayload("RotateVirtualKeyPayload");
const KeyPayload = (name: string) =>
  builder.simpleObject(name, { fields: (t) => ({ key: t.field({ type: VirtualKey }) }) });
const RevokeVirtualKeyPayload = KeyPayload("RevokeVirtualKeyPayload");
const UpdateVirtualKeyPayload = KeyPayload("UpdateVirtualKeyPayload");

const CreateVirtualKeyInput = builder.inputType("CreateVirtualKeyInput", {
  fields: (f) => ({
    orgId: f.globalID({ required: true, for: Org }),
    teamId: f.globalID({ for: Team }),
    agentId: f.globalID(),
    name: f.string({ required: true, validate: z.string().trim().min(1).max(200) }),
    models: f.stringList({ validate: z.array(modelPattern).max(500) }),
    expiresAt: f.field({ type: "DateTime" }),
    rpm: f.int({ validate: z.number().int().positive() }),
    tpm: f.int({ validate: z.number().int().positive() }),
    maxConcurrency: f.int({ validate: z.number().int().positive() }),
    cacheTtlSeconds: f.int({ description: CACHE_TTL_DESCRIPTION, validate: cacheTtl.nullish() }),
    metadata: f.field({ type: "JSONObject" }),
  }),
});

const UpdateVirtualKeyInput = builder.inputType("UpdateVirtualKeyInput", {
  description:
    "Omitted fields stay as they are; null clears models, expiresAt, the limits and cacheTtlSeconds.",
  fields: (f) => ({
    id: f.globalID({ required: true, for: VirtualKey }),
    name: f.string({ validate: z.string().trim().min(1).max(200).optional() }),
    models: f.stringList({ validate: z.array(modelPattern).max(500).nullish() }),
    expiresAt: f.field({ type: "DateTime" }),
    rpm: f.int({ validate: z.number().int().positive().nullish() }),
    tpm: f.int({ validate: z.number().int().positive().nullish() }),
    maxConcurrency: f.int({ validate: z.number().int().positive().nullish() }),
    cacheTtlSeconds: f.int({ description: CACHE_TTL_DESCRIPTION, validate: cacheTtl.nullish() }),
    metadata: f.field({
      type: "JSONObject",
      description: "Replaces the metadata; null empties it.",
    }),
  }),
});

/** The columns an update input names: absent fields are left out, explicit nulls kept. */
function keyChanges(
  input: typeof UpdateVirtualKeyInput.$inferInput,
  now: number,
): Partial<Omit<VirtualKeyRow, "id" | "orgId">> {
  const changes: Partial<Omit<VirtualKeyRow, "id" | "orgId">> = {};
  if (input.name !== undefined) {
    if (input.name === null) throw badInput("input.name: a key keeps a name; it cannot be null");
    changes.name = input.name.trim();
  }
  if (input.models !== undefined) changes.models = input.models;
  if (input.expiresAt !== undefined) {
    if (input.expiresAt && input.expiresAt.getTime() <= now) {
      throw badInput("input.expiresAt: must be in the future");
    }
    changes.expiresAt = input.expiresAt;
  }
  if (input.rpm !== undefined) changes.rpm = input.rpm;
  if (input.tpm !== undefined) changes.tpm = input.tpm;
  if (input.maxConcurrency !== undefined) changes.maxConcurrency = input.maxConcurrency;
  if (input.cacheTtlSeconds !== undefined) changes.cacheTtlSeconds = input.cacheTtlSeconds;
  if (input.metadata !== undefined) changes.metadata = input.metadata ?? {};
  return changes;
}

/** After a change to a key: this instance drops it now, every other one on its next call. */
async function announceKeyChange(context: GraphQLContext, key: VirtualKeyRow): Promise<void> {
  context.services.virtualKeys.forget(key.id);
  await context.services.limits.announceChange(key.orgId);
}

const KeyIdInput = (name: string) =>
  builder.inputType(name, {
    fields: (f) => ({ id: f.globalID({ required: true, for: VirtualKey }) }),
  });

builder.mutationFields((t) => ({
  createVirtualKey: t.field({
    type: CreateVirtualKeyPayload,
    authScopes: (_root, { input }) => ({ orgWriter: input.orgId.id }),
    args: { input: t.arg({ type: CreateVirtualKeyInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const orgId = input.orgId.id;
      const db = context.services.sql.db;
      if (input.expiresAt && input.expiresAt.getTime() <= context.services.clock()) {
        throw badInput("input.expiresAt: must be in the future");
      }
      if (input.teamId) {
        const [team] = await db
          .select({ id: teams.id })
          .from(teams)
          .where(and(eq(teams.id, input.teamId.id), eq(teams.orgId, orgId)));
        if (!team) throw notFound("team");
      }
      if (input.agentId) {
        if (input.agentId.typename !== "Agent") throw badInput("input.agentId: not an Agent id");
        const [agent] = await db
          .select({ id: agents.id })
          .from(agents)
          .where(and(eq(agents.id, input.agentId.id), eq(agents.orgId, orgId)));
        if (!agent) throw notFound("agent");
      }
      const minted = mintToken(TOKEN_KINDS.virtualKey);
      const secretHash = await context.services.keyring.hashSecret(minted.secret);
      return auditedWrite(context, {
        orgId,
        action: "virtual_key.created",
        targetType: "virtual_key",
        write: async (tx) => {
          const [key] = await tx
            .insert(virtualKeys)
            .values({
              orgId,
              teamId: input.teamId?.id ?? null,
              agentId: input.agentId?.id ?? null,
              name: input.name.trim(),
              prefix: minted.prefix,
              models: input.models ?? null,
              expiresAt: input.expiresAt ?? null,
              rpm: input.rpm ?? null,
              tpm: input.tpm ?? null,
              maxConcurrency: input.maxConcurrency ?? null,
              cacheTtlSeconds: input.cacheTtlSeconds ?? null,
              metadata: input.metadata ?? {},
            })
            .returning();
          if (!key) throw new Error("insert returned no row");
          await tx.insert(virtualKeySecrets).values({ keyId: key.id, secretHash });
          return { result: { key, secret: minted.secret }, targetId: key.id, after: key };
        },
      }).catch((error: unknown) =>
        explainWriteError(error, { conflict: "key collision; retry", missing: "org" }),
      );
    },
  }),

  rotateVirtualKey: t.field({
    type: RotateVirtualKeyPayload,
    description:
      "A new secret for the key. The old secret keeps working for gracePeriodSeconds (default 0: refused from the next call on), then is refused.",
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("RotateVirtualKeyInput", {
          fields: (f) => ({
            id: f.globalID({ required: true, for: VirtualKey }),
            gracePeriodSeconds: f.int({
              validate: z
                .number()
                .int()
                .min(0)
                .max(30 * 24 * 3600),
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const key = await loadKey(context, input.id.id);
      if (!key) throw notFound("virtual key");
      if (key.revokedAt) throw badInput("a revoked key cannot be rotated");
      const graceSeconds = input.gracePeriodSeconds ?? 0;
      const graceEndsAt = new Date(context.services.clock() + graceSeconds * 1000);
      const minted = mintToken(TOKEN_KINDS.virtualKey);
      const secretHash = await context.services.keyring.hashSecret(minted.secret);
      const result = await auditedWrite(context, {
        orgId: key.orgId,
        action: "virtual_key.rotated",
        targetType: "virtual_key",
        write: async (tx) => {
          // Every secret still valid past the grace period now ends with it.
          await tx
            .update(virtualKeySecrets)
            .set({ expiresAt: graceEndsAt })
            .where(
              and(
                eq(virtualKeySecrets.keyId, key.id),
                or(
                  isNull(virtualKeySecrets.expiresAt),
                  gt(virtualKeySecrets.expiresAt, graceEndsAt),
                ),
              ),
            );
          await tx.insert(virtualKeySecrets).values({ keyId: key.id, secretHash });
          const [row] = await tx
            .update(virtualKeys)
            .set({ prefix: minted.prefix })
            .where(eq(virtualKeys.id, key.id))
            .returning();
          const rotated = row ?? key;
          return {
            result: { key: rotated, secret: minted.secret },
            targetId: key.id,
            before: key,
            after: { ...rotated, gracePeriodSeconds: graceSeconds },
          };
        },
      });
      await announceKeyChange(context, key);
      return result;
    },
  }),

  updateVirtualKey: t.field({
    type: UpdateVirtualKeyPayload,
    authScopes: { writer: true },
    args: { input: t.arg({ type: UpdateVirtualKeyInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const key = await loadKey(context, input.id.id);
      if (!key) throw notFound("virtual key");
      if (key.revokedAt) throw badInput("a revoked key cannot be updated");
      const changes = keyChanges(input, context.services.clock());
      if (Object.keys(changes).length === 0) return { key };
      const result = await auditedWrite(context, {
        orgId: key.orgId,
        action: "virtual_key.updated",
        targetType: "virtual_key",
        write: async (tx) => {
          const [row] = await tx
            .update(virtualKeys)
            .set(changes)
            .where(eq(virtualKeys.id, key.id))
            .returning();
          return { result: { key: row ?? key }, targetId: key.id, before: key, after: row };
        },
      });
      // Limits and models travel with the authenticated key: both caches must let go of it.
      await announceKeyChange(context, key);
      return result;
    },
  }),

  revokeVirtualKey: t.field({
    type: RevokeVirtualKeyPayload,
    description: "Refused from the next call on, on every instance. Idempotent.",
    authScopes: { writer: true },
    args: { input: t.arg({ type: KeyIdInput("RevokeVirtualKeyInput"), required: true }) },
    resolve: async (_root, { input }, context) => {
      const key = await loadKey(context, input.id.id);
      if (!key) throw notFound("virtual key");
      const result = await auditedWrite(context, {
        orgId: key.orgId,
        action: "virtual_key.revoked",
        targetType: "virtual_key",
        write: async (tx) => {
          const [row] = await tx
            .update(virtualKeys)
            .set({ revokedAt: key.revokedAt ?? new Date(context.services.clock()) })
            .where(eq(virtualKeys.id, key.id))
            .returning();
          return { result: { key: row ?? key }, targetId: key.id, before: key, after: row };
        },
      });
      await announceKeyChange(context, key);
      return result;
    },
  }),
}));
