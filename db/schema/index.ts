/** Every table and enum, one aggregate per file. drizzle-kit reads this file (drizzle.config.ts). */
export * from "./admin-tokens.ts";
export * from "./agents.ts";
export * from "./audit-checkpoints.ts";
export * from "./audit-events.ts";
export * from "./budgets.ts";
export * from "./delegation-grants.ts";
export * from "./guardrails.ts";
export * from "./model-prices.ts";
export * from "./model-routes.ts";
export * from "./orgs.ts";
export * from "./providers.ts";
export * from "./rate-limits.ts";
export * from "./teams.ts";
export * from "./usage-dead-letters.ts";
export * from "./usage-records.ts";
export * from "./virtual-keys.ts";
export * from "./webhooks.ts";
