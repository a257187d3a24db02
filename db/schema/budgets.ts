import { sql } from "drizzle-orm";
import { check, doublePrecision, pgEnum, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant, nanoUsd } from "./columns.ts";
import { orgs } from "./orgs.ts";

export const budgetScope = pgEnum("budget_scope", ["ORG", "TEAM", "KEY", "AGENT", "GRANT"]);
export type BudgetScope = (typeof budgetScope.enumValues)[number];

export const BUDGET_WINDOWS = ["1h", "1d", "7d", "30d", "TOTAL"] as const;
/** Rolling windows, or TOTAL for a lifetime cap. */
export type BudgetWindow = (typeof BUDGET_WINDOWS)[number];

/** A spend limit on one principal (scope + scope_id) over one window. */
export const budgets = pgTable(
  "budgets",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    scope: budgetScope("scope").notNull(),
    /** The org, team, key, agent or grant id; polymorphic, so no foreign key. */
    scopeId: uuid("scope_id").notNull(),
    limitNanoUsd: nanoUsd("limit_nano_usd").notNull(),
    window: text("window").$type<BudgetWindow>().notNull(),
    /** Fractions of the limit at which an alert fires once per crossing. */
    alertThresholds: doublePrecision("alert_thresholds").array().notNull().default([0.8, 1]),
    createdAt: createdAt(),
    updatedAt: instant("updated_at")
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique("budgets_scope_scope_id_window_unique").on(t.scope, t.scopeId, t.window),
    check(
      "budgets_window_check",
      sql`${t.window} in (${sql.raw(BUDGET_WINDOWS.map((window) => `'${window}'`).join(", "))})`,
    ),
  ],
);
