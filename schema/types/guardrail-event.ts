/**
 * `guardrailEvents(filter)`: what the guardrails decided on an org's calls, newest first, as a
 * keyset connection (a busy org stores thousands a day). Counts,
 * actions and signal names, never the matched text (functions/guardrails/record-decisions.ts).
 */
import { and, eq, getTableColumns, gte, lt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { guardrailEvents } from "../../db/schema/index.ts";
import { builder } from "../builder.ts";
import {
  byInstantThenUuidDescending,
  instantText,
  keysetConnection,
  MAX_PAGE_SIZE,
} from "../connections.ts";
import { badInput, notFound } from "../errors.ts";
import { optionalGlobalId } from "../global-id.ts";
import { Org } from "./org.ts";

/** A row with its instant as Postgres' text: the cursor's key (connections.ts: instantText). */
type GuardrailEventRow = typeof guardrailEvents.$inferSelect & { createdAtText: string };

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
      resolve: (row) => optionalGlobalId("VirtualKey", row.keyId),
    }),
    teamId: t.globalID({
      nullable: true,
      resolve: (row) => optionalGlobalId("Team", row.teamId),
    }),
    agentId: t.globalID({
      nullable: true,
      resolve: (row) => optionalGlobalId("Agent", row.agentId),
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
  t.connection(
    {
      type: GuardrailEvent,
      description: `Guardrail decisions, newest first, a page at a time (at most ${MAX_PAGE_SIZE}).`,
      authScopes: (_root, { filter }) => ({ orgReader: filter.orgId.id }),
      args: { filter: t.arg({ type: GuardrailEventFilter, required: true }) },
      resolve: (_root, args, context) => {
        const { filter } = args;
        const orgId = filter.orgId.id;
        // Only the master key gets here with any org id: a malformed one names no org.
        if (!uuid.safeParse(orgId).success) throw notFound("org");
        if (filter.from && filter.to && filter.to <= filter.from) {
          throw badInput("filter.to: must be after filter.from");
        }
        const conditions: SQL[] = [eq(guardrailEvents.orgId, orgId)];
        if (filter.from) conditions.push(gte(guardrailEvents.createdAt, filter.from));
        if (filter.to) conditions.push(lt(guardrailEvents.createdAt, filter.to));
        if (filter.detector) conditions.push(eq(guardrailEvents.detector, filter.detector));
        if (filter.direction) conditions.push(eq(guardrailEvents.direction, filter.direction));
        if (filter.action) conditions.push(eq(guardrailEvents.action, filter.action));
        if (filter.requestId) conditions.push(eq(guardrailEvents.requestId, filter.requestId));
        if (filter.keyId) {
          // A malformed key id names no key of any org: an empty page, not a SQL error.
          conditions.push(
            uuid.safeParse(filter.keyId.id).success
              ? eq(guardrailEvents.keyId, filter.keyId.id)
              : sql`false`,
          );
        }
        return keysetConnection(
          args,
          byInstantThenUuidDescending(
            guardrailEvents.createdAt,
            guardrailEvents.id,
            (row: GuardrailEventRow) => row.createdAtText,
          ),
          (page) =>
            context.services.sql.db
              .select({
                ...getTableColumns(guardrailEvents),
                createdAtText: instantText(guardrailEvents.createdAt),
              })
              .from(guardrailEvents)
              .where(and(...conditions, page.where))
              .orderBy(...page.orderBy)
              .limit(page.limit),
        );
      },
    },
    { name: "GuardrailEventConnection" },
    { name: "GuardrailEventEdge" },
  ),
);
