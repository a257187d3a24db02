import { sql } from "drizzle-orm";
import { check, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant, nanoUsd } from "./columns.ts";
import { orgs } from "./orgs.ts";

/**
 * An org's own price for a model (setModelPrice): it wins over the list prices for that org's
 * calls. Rates are integer nano-USD per million tokens (1e-9 USD per 1M tokens), so a price as
 * written ("0.075" USD per million) is stored exactly and costs add up exactly.
 */
export const modelPrices = pgTable(
  "model_prices",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    /** `<provider name>/<model>`, `<provider kind>/<model>`, or a bare model name. */
    model: text("model").notNull(),
    inputNanoUsdPerMillion: nanoUsd("input_nano_usd_per_million").notNull(),
    outputNanoUsdPerMillion: nanoUsd("output_nano_usd_per_million").notNull(),
    /** Null: cached input costs what input costs. */
    cachedInputNanoUsdPerMillion: nanoUsd("cached_input_nano_usd_per_million"),
    /** Null: writing to the prompt cache costs what input costs. */
    cacheWriteNanoUsdPerMillion: nanoUsd("cache_write_nano_usd_per_million"),
    createdAt: createdAt(),
    updatedAt: instant("updated_at")
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    // setModelPrice replaces the org's price of a model.
    unique("model_prices_org_id_model_unique").on(t.orgId, t.model),
    check(
      "model_prices_not_negative_check",
      sql`${t.inputNanoUsdPerMillion} >= 0 and ${t.outputNanoUsdPerMillion} >= 0 and coalesce(${t.cachedInputNanoUsdPerMillion}, 0) >= 0 and coalesce(${t.cacheWriteNanoUsdPerMillion}, 0) >= 0`,
    ),
  ],
);
