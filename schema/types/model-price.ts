/**
 * An org's own model prices in the admin API: `setModelPrice`, `deleteModelPrice`, and
 * `modelPrices` on Org. A price set here wins over the list prices for the org's calls (cost,
 * budget holds, `x-switchyard-cost-usd`). Every change announces itself like a change of limits
 * (limits-config.ts), so every instance prices the org's next call with it.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { modelPrices } from "../../db/schema/index.ts";
import { nanoUsdToUsd, parseNanoUsd } from "../../functions/pricing/usd.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byTextThenUuid, tableConnection } from "../connections.ts";
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
  loadMany: (ids, context) => loadManyInOrg<ModelPriceRow>(context, MODEL_PRICES, ids),
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

const MODEL_PRICES = { table: modelPrices, id: modelPrices.id, orgId: modelPrices.orgId };

builder.objectField(Org, "modelPrices", (t) =>
  t.connection(
    {
      type: ModelPrice,
      description:
        "This org's own model prices (setModelPrice) by model name, a page at a time (at most 100).",
      resolve: (org, args, context) =>
        tableConnection(
          context,
          args,
          modelPrices,
          eq(modelPrices.orgId, org.id),
          byTextThenUuid(modelPrices.model, modelPrices.id, (price: ModelPriceRow) => price.model),
        ),
    },
    { name: "ModelPriceConnection" },
    { name: "ModelPriceEdge" },
  ),
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
    authScopes: (_root, { input }) => ({ orgWriter: input.orgId.id }),
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
      const price = await auditedWrite(context, {
        orgId,
        action: "model_price.set",
        targetType: "model_price",
        write: async (tx) => {
          const [row] = await tx
            .insert(modelPrices)
            .values({ orgId, model, ...rates })
            .onConflictDoUpdate({
              target: [modelPrices.orgId, modelPrices.model],
              set: { ...rates, updatedAt: new Date() },
            })
            .returning();
          if (!row) throw new Error("upsert returned no row");
          return { result: row, targetId: row.id, after: row };
        },
      }).catch((error: unknown) =>
        explainWriteError(error, { conflict: `a price for "${model}" exists`, missing: "org" }),
      );
      await context.services.limits.announceChange(orgId);
      return { price };
    },
  }),

  deleteModelPrice: t.field({
    type: DeleteModelPricePayload,
    description: "Removes the org's own price: the model costs its list price again.",
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("DeleteModelPriceInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: ModelPrice }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const price = await loadInOrg<ModelPriceRow>(context, MODEL_PRICES, input.id.id);
      if (!price) throw notFound("model price");
      await auditedWrite(context, {
        orgId: price.orgId,
        action: "model_price.deleted",
        targetType: "model_price",
        write: async (tx) => {
          await tx.delete(modelPrices).where(eq(modelPrices.id, price.id));
          return { result: null, targetId: price.id, before: price };
        },
      });
      await context.services.limits.announceChange(price.orgId);
      return { deletedId: encodeGlobalID("ModelPrice", price.id) };
    },
  }),
}));
