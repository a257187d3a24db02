import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  pgTable,
  text,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, id, instant } from "./columns.ts";
import { orgs } from "./orgs.ts";

export const GUARDRAIL_SCOPES = ["ORG", "TEAM", "KEY", "AGENT"] as const;
export type GuardrailScope = (typeof GUARDRAIL_SCOPES)[number];
export const GUARDRAIL_ACTIONS = ["OFF", "FLAG", "REDACT", "BLOCK"] as const;
export type GuardrailAction = (typeof GUARDRAIL_ACTIONS)[number];
export const GUARDRAIL_DIRECTIONS = ["INPUT", "OUTPUT", "BOTH"] as const;
export type GuardrailDirection = (typeof GUARDRAIL_DIRECTIONS)[number];

const oneOf = (values: readonly string[]) =>
  sql.raw(values.map((value) => `'${value}'`).join(", "));

/**
 * What happens when content carries what a detector finds, on one org, team, key or agent, for
 * prompts, completions or both. The most specific scope that names a detector decides for it.
 */
export const guardrailPolicies = pgTable(
  "guardrail_policies",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    scope: text("scope").$type<GuardrailScope>().notNull(),
    /** The org, team, key or agent id; polymorphic, so no foreign key. */
    scopeId: uuid("scope_id").notNull(),
    direction: text("direction").$type<GuardrailDirection>().notNull(),
    /** Detector ids (functions/guardrails/detectors/types.ts). */
    detectors: text("detectors").array().notNull(),
    action: text("action").$type<GuardrailAction>().notNull(),
    /** Input REDACT: put the original values back where the answer repeats a placeholder. */
    restorePlaceholders: boolean("restore_placeholders").notNull().default(false),
    /** The TOPIC detector's deny list: whole words, phrases and RE2 patterns. */
    topicWords: text("topic_words").array().notNull().default([]),
    topicPhrases: text("topic_phrases").array().notNull().default([]),
    topicPatterns: text("topic_patterns").array().notNull().default([]),
    createdAt: createdAt(),
    updatedAt: instant("updated_at")
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique("guardrail_policies_scope_direction_unique").on(t.scope, t.scopeId, t.direction),
    check("guardrail_policies_scope_check", sql`${t.scope} in (${oneOf(GUARDRAIL_SCOPES)})`),
    check("guardrail_policies_action_check", sql`${t.action} in (${oneOf(GUARDRAIL_ACTIONS)})`),
    check(
      "guardrail_policies_direction_check",
      sql`${t.direction} in (${oneOf(GUARDRAIL_DIRECTIONS)})`,
    ),
    index("guardrail_policies_org_id_idx").on(t.orgId),
  ],
);

/**
 * One decision of one detector on one call: what it found (how many matches, the signals' names,
 * a score) and what was done. Never the matched text. A ledger like usage_records: no foreign
 * keys, so it outlives the key or org it names.
 */
export const guardrailEvents = pgTable(
  "guardrail_events",
  {
    id: id(),
    orgId: uuid("org_id").notNull(),
    requestId: text("request_id").notNull(),
    teamId: uuid("team_id"),
    keyId: uuid("key_id"),
    agentId: uuid("agent_id"),
    /** INPUT (the prompt) or OUTPUT (the completion). */
    direction: text("direction").notNull(),
    detector: text("detector").notNull(),
    action: text("action").notNull(),
    matches: integer("matches").notNull(),
    signals: text("signals").array().notNull(),
    score: doublePrecision("score"),
    createdAt: createdAt(),
  },
  (t) => [index("guardrail_events_org_id_created_at_idx").on(t.orgId, t.createdAt)],
);
