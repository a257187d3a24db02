/**
 * `UsageRecord`: one accounted call as stored in usage_records, a relay node, and
 * `Org.usageRecords(filter)`, the org's calls newest first as a keyset connection: where a reader
 * of the `usage` aggregates drills down to the calls behind a figure. Nothing secret is stored
 * there (no prompt, no answer, no key secret); reservations and limit internals stay out too.
 */
import { and, eq, getTableColumns, gte, lt, or, type SQL } from "drizzle-orm";
import { usageRecords } from "../../db/schema/index.ts";
import type { AttemptLogEntry } from "../../db/schema/usage-records.ts";
import { loadManyInOrg } from "../access.ts";
import { builder } from "../builder.ts";
import {
  byInstantThenUuidDescending,
  instantText,
  keysetConnection,
  MAX_PAGE_SIZE,
} from "../connections.ts";
import { badInput } from "../errors.ts";
import { optionalGlobalId } from "../global-id.ts";
import { Org } from "./org.ts";
import { Usd } from "./usd.ts";

/**
 * A record, with its instant as Postgres' text when it came through the connection (the cursor's
 * key, connections.ts: instantText); one loaded as a node has no cursor and needs none.
 */
type UsageRecordRow = typeof usageRecords.$inferSelect & { createdAtText?: string };

const USAGE_RECORDS = { table: usageRecords, id: usageRecords.id, orgId: usageRecords.orgId };

const UsageAttempt = builder.objectRef<AttemptLogEntry>("UsageAttempt").implement({
  description: "One try of one deployment during a call, in the order tried.",
  fields: (t) => ({
    deployment: t.exposeString("deployment", { description: "`<provider>/<model>`." }),
    status: t.exposeInt("status", {
      nullable: true,
      description: "The upstream's HTTP status; null when no answer came.",
    }),
    error: t.exposeString("error", {
      nullable: true,
      description:
        "The failure's kind (timeout, network, upstream_http, skipped…); null when it answered.",
    }),
    skipped: t.string({
      nullable: true,
      description: "Why a deployment was passed over without a call (circuit open, a capability).",
      resolve: (attempt) => attempt.skipped ?? null,
    }),
    latencyMs: t.exposeInt("latencyMs"),
  }),
});

export const UsageRecord = builder.node(builder.objectRef<UsageRecordRow>("UsageRecord"), {
  description: "One call through the gateway, as accounted: who made it, what served it, its cost.",
  id: { resolve: (record) => record.id },
  authScopes: (record) => ({ orgReader: record.orgId }),
  loadMany: (ids, context) => loadManyInOrg<UsageRecordRow>(context, USAGE_RECORDS, ids),
  fields: (t) => ({
    requestId: t.exposeString("requestId", { description: "The call's x-request-id." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the call began." }),
    endpoint: t.exposeString("endpoint", { description: 'e.g. "/v1/chat/completions".' }),
    routeAlias: t.exposeString("routeAlias", {
      nullable: true,
      description: "The route alias the caller asked for; null when it named a model directly.",
    }),
    model: t.exposeString("model", {
      description: "The model that served the call (the one asked for when none did).",
    }),
    provider: t.exposeString("provider", {
      description: "The provider that served the call; empty when none did.",
    }),
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
    grantId: t.globalID({
      nullable: true,
      description: "The delegation grant the call ran under, if any.",
      resolve: (row) => optionalGlobalId("DelegationGrant", row.grantId),
    }),
    status: t.exposeInt("status", { description: "The HTTP status the caller got." }),
    refusedBy: t.exposeString("refusedBy", {
      nullable: true,
      description: "The limit that refused the call (`budget:<id>`, `rate:…`), if one did.",
    }),
    stream: t.exposeBoolean("stream"),
    cacheHit: t.exposeBoolean("cacheHit", { description: "Answered from the cache: no cost." }),
    inputTokens: t.exposeInt("inputTokens"),
    outputTokens: t.exposeInt("outputTokens"),
    cachedInputTokens: t.exposeInt("cachedInputTokens"),
    usageEstimated: t.exposeBoolean("usageEstimated", {
      description: "The provider reported no usage; a tokenizer estimated it.",
    }),
    costUsd: t.field({ type: Usd, resolve: (row) => row.costNanoUsd }),
    priceKnown: t.exposeBoolean("priceKnown", {
      description: "False when no price was known and the call was served at cost 0.",
    }),
    latencyMs: t.exposeInt("latencyMs"),
    attempts: t.exposeInt("attempts"),
    attemptLog: t.field({
      type: [UsageAttempt],
      description: "Every deployment tried, in order.",
      resolve: (row) => row.attemptLog,
    }),
    traceId: t.exposeString("traceId", { nullable: true }),
    metadata: t.expose("metadata", {
      type: "JSONObject",
      description: "The caller's own request metadata.",
    }),
  }),
});

const UsageRecordFilter = builder.inputType("UsageRecordFilter", {
  fields: (f) => ({
    from: f.field({ type: "DateTime", description: "Calls at or after this instant." }),
    to: f.field({ type: "DateTime", description: "Calls before this instant." }),
    keyId: f.globalID(),
    teamId: f.globalID(),
    agentId: f.globalID(),
    model: f.string({ description: "The model served or the route alias asked for." }),
  }),
});

/** Each id filter names one type: another type's id is the client's mistake, not an empty page. */
const ID_FILTERS = [
  ["keyId", "VirtualKey", usageRecords.keyId],
  ["teamId", "Team", usageRecords.teamId],
  ["agentId", "Agent", usageRecords.agentId],
] as const;

builder.objectField(Org, "usageRecords", (t) =>
  t.connection(
    {
      type: UsageRecord,
      description: `The org's calls, newest first (the id breaking ties), a page at a time (at most ${MAX_PAGE_SIZE}).`,
      args: { filter: t.arg({ type: UsageRecordFilter }) },
      resolve: (org, args, context) => {
        const filter = args.filter ?? {};
        if (filter.from && filter.to && filter.to <= filter.from) {
          throw badInput("filter.to: must be after filter.from");
        }
        const conditions: Array<SQL | undefined> = [eq(usageRecords.orgId, org.id)];
        if (filter.from) conditions.push(gte(usageRecords.createdAt, filter.from));
        if (filter.to) conditions.push(lt(usageRecords.createdAt, filter.to));
        for (const [name, typename, column] of ID_FILTERS) {
          const id = filter[name];
          if (!id) continue;
          if (id.typename !== typename) throw badInput(`filter.${name}: not a ${typename} id`);
          conditions.push(eq(column, id.id));
        }
        if (filter.model) {
          conditions.push(
            or(eq(usageRecords.model, filter.model), eq(usageRecords.routeAlias, filter.model)),
          );
        }
        return keysetConnection(
          args,
          byInstantThenUuidDescending(
            usageRecords.createdAt,
            usageRecords.id,
            (row: UsageRecordRow) => row.createdAtText ?? "",
          ),
          (page) =>
            context.services.sql.db
              .select({
                ...getTableColumns(usageRecords),
                createdAtText: instantText(usageRecords.createdAt),
              })
              .from(usageRecords)
              .where(and(...conditions, page.where))
              .orderBy(...page.orderBy)
              .limit(page.limit),
        );
      },
    },
    { name: "UsageRecordConnection" },
    { name: "UsageRecordEdge" },
  ),
);
