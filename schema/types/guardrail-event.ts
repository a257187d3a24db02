/**
 * `guardrailEvents(filter)`: what the guardrails decided on an org's calls, newest first. Counts,
 * actions and signal names, never the matched text (functions/guardrails/record-decisions.ts).
 */
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { guardrailEvents } from "../../db/schema/index.ts";
import { builder } from "../builder.ts";
import { badInput, notFound } from "../errors.ts";
import { Org } from "./org.ts";

type GuardrailEventRow = typeof guardrailEvents.$inferSelect;

const MAX_EVENTS = 500;
const uuid = z.uuid();

const GuardrailEvent = builder.objectRef<GuardrailEventRow>("GuardrailEvent").implement({
  description: "One detector's decision on one call, in one direction.",
  authScopes: (row) => ({ orgReader: row.orgId }),
  fields: (t) => ({
    id: t.exposeID("id"),
    requestId: t.exposeString("requestId"),
    direction: t.exposeString("direction", { description: "INPUT or OUTPUT." }),
    detector: t.exposeString("detector"),
    action: t.exposeString("action", { description: "FLAG, REDACT or BLOCK." }),
    matches: t.exposeInt("matches"),
    signals: t.exposeStringList("signals", { description: "The rules that matched, by name." }),
    score: t.exposeFloat("score", { nullable: true }),
    keyId: t.globalID({
      nullable: true,
      resolve: (row) => (row.keyId ? { type: "VirtualKey", id: row.keyId } : null),
    }),
    teamId: t.globalID({
      nullable: true,
      resolve: (row) => (row.teamId ? { type: "Team", id: row.teamId } : null),
    }),
    agentId: t.globalID({
      nullable: true,
      resolve: (row) => (row.agentId ? { type: "Agent", id: row.agentId } : null),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const GuardrailEventFilter = builder.inputType("GuardrailEventFilter", {
  fields: (f) => ({
    orgId: f.globalID({ required: true, for: Org }),
    from: f.field({ type: "DateTime" }),
    to: f.field({ type: "DateTime" }),
    detector: f.string(),
    direction: f.string(),
    action: f.string(),
    requestId: f.string(),
    keyId: f.globalID(),
  }),
});

builder.queryField("guardrailEvents", (t) =>
  t.field({
    type: [GuardrailEvent],
    description: `Guardrail decisions, newest first, at most ${MAX_EVENTS}.`,
    authScopes: (_root, { filter }) => ({ orgReader: filter.orgId.id }),
    args: {
      filter: t.arg({ type: GuardrailEventFilter, required: true }),
      first: t.arg.int({ description: `Default 100, at most ${MAX_EVENTS}.` }),
    },
    resolve: async (_root, { filter, first }, context) => {
      const orgId = filter.orgId.id;
      // Only the master key gets here with any org id: a malformed one names no org.
      if (!uuid.safeParse(orgId).success) throw notFound("org");
      const limit = first ?? 100;
      if (limit < 1 || limit > MAX_EVENTS) throw badInput(`first: 1 to ${MAX_EVENTS}`);
      const conditions: SQL[] = [eq(guardrailEvents.orgId, orgId)];
      if (filter.from) conditions.push(gte(guardrailEvents.createdAt, filter.from));
      if (filter.to) conditions.push(lt(guardrailEvents.createdAt, filter.to));
      if (filter.detector) conditions.push(eq(guardrailEvents.detector, filter.detector));
      if (filter.direction) conditions.push(eq(guardrailEvents.direction, filter.direction));
      if (filter.action) conditions.push(eq(guardrailEvents.action, filter.action));
      if (filter.requestId) conditions.push(eq(guardrailEvents.requestId, filter.requestId));
      if (filter.keyId) {
        if (!uuid.safeParse(filter.keyId.id).success) return [];
        conditions.push(eq(guardrailEvents.keyId, filter.keyId.id));
      }
      return context.services.sql.db
        .select()
        .from(guardrailEvents)
        .where(and(...conditions))
        .orderBy(desc(guardrailEvents.createdAt))
        .limit(limit);
    },
  }),
);
