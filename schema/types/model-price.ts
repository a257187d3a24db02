/**
 * An org's own model prices in the admin API: `setModelPrice`, `deleteModelPrice`, and
 * `modelPrices` on Org. A price set here wins over the list prices for the org's calls (cost,
 * budget holds, `x-switchyard-cost-usd`). Every change announces itself like a change of limits
 * (limits-config.ts), so every instance prices the org's next call with it.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { modelPrices } from "../../db/schema/index.ts";
import { nanoUsdToUsd, parseNanoUsd } from "../../functions/pricing/usd.ts";
import { orgScopeOf, requireOrgRole } from "../access.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, explainWriteError, notFound } from "../errors.ts";
import { Org } from "./org.ts";

export type ModelPriceRow = typeof modelPrices.$inferSelect;

/** Far above any real price; keeps a cost (tokens × rate) well inside exact integer range. */
const MAX_USD_PER_MILLION = 100_000;

const usdPerMillion = z.number().min(0).max(MAX_USD_PER_MILLION);

export const ModelPrice = builder.node(builder.objectRef<ModelPriceRow>("ModelPrice"), {
  description: "An org's own price for a model: it wins over the list prices for the org's calls.",
  id: { resolve: (price) => price.id },
  authScopes: (price) => ({ orgReader: price.orgId }),
  loadOne: (id, context) => loadModelPrice(context, id),
  fields: (t) => ({
    model: t.exposeString("model", {
      description:
        "What it prices: `<provider name>/<model>` (one deployment, as clients call it), `<provider kind>/<model>`, or a bare model name on any provider. Dated snapshots (`-2024-08-06`, `-20250514`) and `-latest` fall back to the name without them.",
    }),
    inputUsdPerMillion: t.float({
      description:
        "USD per million input tokens that are neither read from nor written to a cache.",
      resolve: (price) => nanoUsdToUsd(price.inputNanoUsdPerMillion),
    }),
    outputUsdPerMillion: t.float({
      resolve: (price) => nanoUsdToUsd(price.outputNanoUsdPerMillion),
    }),
    cachedInputUsdPerMillion: t.float({
      nullable: true,
      description: "USD per million input tokens read from the prompt cache; null: as input.",
      resolve: (price) => nullableUsd(price.cachedInputNanoUsdPerMillion),
    }),
    cacheWriteUsdPerMillion: t.float({
      nullable: true,
      description: "USD per million input tokens written to the prompt cache; null: as input.",
      resolve: (price) => nullableUsd(price.cacheWriteNanoUsdPerMillion),
    }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

function nullableUsd(nanoUsd: number | null): number | null {
  return nanoUsd === null ? null : nanoUsdToUsd(nanoUsd);
}

async function loadModelPrice(context: GraphQLContext, id: string): Promise<ModelPriceRow | null> {
  if (!z.uuid().safeParse(id).success) return null;
  const scope = orgScopeOf(context.viewer);
  const [row] = await context.services.sql.db
    .select()
    .from(modelPrices)
    .where(
      scope.all
        ? eq(modelPrices.id, id)
        : and(eq(modelPrices.id, id), eq(modelPrices.orgId, scope.orgId)),
    );
  return row ?? null;
}

builder.objectField(Org, "modelPrices", (t) =>
  t.field({
    type: [ModelPrice],
    description: "This org's own model prices (setModelPrice), by model name.",
    resolve: (org, _args, context) =>
      context.services.sql.db
        .select()
        .from(modelPrices)
        .where(eq(modelPrices.orgId, org.id))
        .orderBy(asc(modelPrices.model)),
  }),
);

/**
 * A price as an admin wrote it → integer nano-USD per million. A JSON number is read as its
 * shortest decimal form (0.075 → "0.075"), so what was written is what is stored, exactly.
 */
function nanoPerMillion(field: string, usd: number): number {
  const parsed = parseNanoUsd(String(usd));
  if (!parsed.ok) throw badInput(`${field}: ${parsed.reason}`);
  return Number(parsed.nanoUsd);
}

const SetModelPricePayload = builder.simpleObject("SetModelPricePayload", {
  fields: (t) => ({ price: t.field({ type: ModelPrice }) }),
});

const DeleteModelPricePayload = builder.simpleObject("DeleteModelPricePayload", {
  fields: (t) => ({ deletedId: t.id({ description: "The global id the price had." }) }),
});

builder.mutationFields((t) => ({
  setModelPrice: t.field({
    type: SetModelPricePayload,
    description: "Sets the org's price of a model, replacing the one it had.",
    authScopes: { authenticated: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("SetModelPriceInput", {
          fields: (f) => ({
            orgId: f.globalID({ required: true, for: Org }),
            model: f.string({ required: true, validate: z.string().trim().min(1).max(300) }),
            inputUsdPerMillion: f.float({ required: true, validate: usdPerMillion }),
            outputUsdPerMillion: f.float({ required: true, validate: usdPerMillion }),
            cachedInputUsdPerMillion: f.float({ validate: usdPerMillion }),
            cacheWriteUsdPerMillion: f.float({ validate: usdPerMillion }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const orgId = input.orgId.id;
      requireOrgRole(context, orgId, "ADMIN");
      const optional = (field: string, usd: number | null | undefined) =>
        usd === null || usd === undefined ? null : nanoPerMillion(field, usd);
      const rates = {
        inputNanoUsdPerMillion: nanoPerMillion("inputUsdPerMillion", input.inputUsdPerMillion),
        outputNanoUsdPerMillion: nanoPerMillion("outputUsdPerMillion", input.outputUsdPerMillion),
        cachedInputNanoUsdPerMillion: optional(
          "cachedInputUsdPerMillion",
          input.cachedInputUsdPerMillion,
        ),
        cacheWriteNanoUsdPerMillion: optional(
          "cacheWriteUsdPerMillion",
          input.cacheWriteUsdPerMillion,
        ),
      };
      const model = input.model.trim();
      try {
        const [price] = await context.services.sql.db
          .insert(modelPrices)
          .values({ orgId, model, ...rates })
          .onConflictDoUpdate({
            target: [modelPrices.orgId, modelPrices.model],
            set: { ...rates, updatedAt: new Date() },
          })
          .returning();
        if (!price) throw new Error("upsert returned no row");
        await context.services.limits.announceChange(orgId);
        return { price };
      } catch (error) {
        explainWriteError(error, { conflict: `a price for "${model}" exists`, missing: "org" });
      }
    },
  }),

  deleteModelPrice: t.field({
    type: DeleteModelPricePayload,
    description: "Removes the org's own price: the model costs its list price again.",
    authScopes: { authenticated: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("DeleteModelPriceInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: ModelPrice }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const price = await loadModelPrice(context, input.id.id);
      if (!price) throw notFound("model price");
      requireOrgRole(context, price.orgId, "ADMIN");
      await context.services.sql.db.delete(modelPrices).where(eq(modelPrices.id, price.id));
      await context.services.limits.announceChange(price.orgId);
      return { deletedId: encodeGlobalID("ModelPrice", price.id) };
    },
  }),
}));
