/**
 * `usage(filter, groupBy, bucket)`: aggregated accounting over usage_records for one org, as a
 * keyset connection over the groups (groupBy KEY over a month of hourly buckets is thousands).
 * Money leaves the database as USD (nano-USD / 1e9); token sums are Floats because a busy org
 * passes GraphQL's 32-bit Int within a day.
 */
import { and, arrayContains, asc, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import { usageRecords } from "../../db/schema/index.ts";
import { builder } from "../builder.ts";
import { type Keyset, keysetConnection, MAX_PAGE_SIZE } from "../connections.ts";
import { badInput } from "../errors.ts";
import { optionalGlobalId } from "../global-id.ts";
import { Org } from "./org.ts";

const UsageGroupBy = builder.enumType("UsageGroupBy", {
  values: ["MODEL", "PROVIDER", "KEY", "TEAM", "AGENT"] as const,
});
type GroupBy = (typeof UsageGroupBy)["$inferType"];

const UsageBucket = builder.enumType("UsageBucket", { values: ["HOUR", "DAY"] as const });

interface UsageRow {
  bucketStart: Date | null;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costUsd: number;
  model: string | null;
  provider: string | null;
  keyId: string | null;
  teamId: string | null;
  agentId: string | null;
}

const UsageRowType = builder.objectRef<UsageRow>("UsageRow").implement({
  fields: (t) => ({
    bucketStart: t.expose("bucketStart", { type: "DateTime", nullable: true }),
    requests: t.exposeInt("requests"),
    inputTokens: t.exposeFloat("inputTokens"),
    outputTokens: t.exposeFloat("outputTokens"),
    cachedInputTokens: t.exposeFloat("cachedInputTokens"),
    costUsd: t.exposeFloat("costUsd"),
    model: t.exposeString("model", { nullable: true }),
    provider: t.exposeString("provider", { nullable: true }),
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
  }),
});

const UsageFilter = builder.inputType("UsageFilter", {
  fields: (f) => ({
    orgId: f.globalID({ required: true, for: Org }),
    from: f.field({ type: "DateTime", required: true }),
    to: f.field({ type: "DateTime", required: true }),
    teamId: f.globalID(),
    keyId: f.globalID(),
    agentId: f.globalID(),
    grantId: f.globalID({
      description: "Calls under this delegation grant or any grant below it.",
    }),
    model: f.string(),
  }),
});

const GROUP_COLUMNS = {
  MODEL: { field: "model", column: usageRecords.model },
  PROVIDER: { field: "provider", column: usageRecords.provider },
  KEY: { field: "keyId", column: usageRecords.keyId },
  TEAM: { field: "teamId", column: usageRecords.teamId },
  AGENT: { field: "agentId", column: usageRecords.agentId },
} as const satisfies Record<GroupBy, { field: keyof UsageRow; column: unknown }>;

builder.queryField("usage", (t) =>
  t.connection(
    {
      type: UsageRowType,
      description: `Aggregates of the org's calls: one row per bucket and group (one row in all without either), ordered by bucket then by the groups as listed (nulls last), a page at a time (at most ${MAX_PAGE_SIZE}).`,
      authScopes: (_root, { filter }) => ({ orgReader: filter.orgId.id }),
      args: {
        filter: t.arg({ type: UsageFilter, required: true }),
        groupBy: t.arg({ type: [UsageGroupBy] }),
        bucket: t.arg({ type: UsageBucket }),
      },
      resolve: (_root, args, context) => {
        const { filter, groupBy, bucket } = args;
        const orgId = filter.orgId.id;
        if (filter.to.getTime() <= filter.from.getTime()) {
          throw badInput("filter.to: must be after filter.from");
        }

        const conditions: SQL[] = [
          eq(usageRecords.orgId, orgId),
          gte(usageRecords.createdAt, filter.from),
          lt(usageRecords.createdAt, filter.to),
        ];
        if (filter.teamId) conditions.push(eq(usageRecords.teamId, filter.teamId.id));
        if (filter.keyId) conditions.push(eq(usageRecords.keyId, filter.keyId.id));
        if (filter.agentId) conditions.push(eq(usageRecords.agentId, filter.agentId.id));
        if (filter.grantId)
          conditions.push(arrayContains(usageRecords.grantChain, [filter.grantId.id]));
        if (filter.model) conditions.push(eq(usageRecords.model, filter.model));

        // The unit comes from a two-value enum, never from the client's text, so sql.raw is safe.
        // Buckets are UTC whatever the session time zone.
        const bucketStart = bucket
          ? sql<Date>`(date_trunc('${sql.raw(bucket === "HOUR" ? "hour" : "day")}', ${usageRecords.createdAt} at time zone 'UTC') at time zone 'UTC')`
          : null;
        const groups = [...new Set(groupBy ?? [])].map((name) => GROUP_COLUMNS[name]);
        const groupExpressions: SQL[] = groups.map((group) => sql`${group.column}`);
        if (bucketStart) groupExpressions.unshift(bucketStart);

        const selection: Record<string, SQL> = {
          requests: sql<number>`count(*)::int`,
          inputTokens: sql<number>`coalesce(sum(${usageRecords.inputTokens}), 0)::float8`,
          outputTokens: sql<number>`coalesce(sum(${usageRecords.outputTokens}), 0)::float8`,
          cachedInputTokens: sql<number>`coalesce(sum(${usageRecords.cachedInputTokens}), 0)::float8`,
          costUsd: sql<number>`(coalesce(sum(${usageRecords.costNanoUsd}), 0) / 1e9)::float8`,
        };
        if (bucketStart) selection.bucketStart = bucketStart;
        for (const group of groups) selection[group.field] = sql`${group.column}`;

        return keysetConnection(args, byGroup(bucketStart, groups), async (page) => {
          const query = context.services.sql.db
            .select(selection)
            .from(usageRecords)
            .where(and(...conditions));
          // The page's range is on the groups, so it is a HAVING: one aggregate query per page.
          const grouped = groupExpressions.length > 0 ? query.groupBy(...groupExpressions) : query;
          const ranged = grouped.having(page.where);
          const rows = await (page.orderBy.length > 0
            ? ranged.orderBy(...page.orderBy).limit(page.limit)
            : ranged.limit(page.limit));
          return (rows as Array<Record<string, unknown>>).map(toUsageRow);
        });
      },
    },
    { name: "UsageConnection" },
    { name: "UsageEdge" },
  ),
);

type Group = (typeof GROUP_COLUMNS)[GroupBy];

/**
 * The keyset of grouped usage: the bucket, then each group's value, so a row's key is its group
 * and every page is one range of groups. A group column may be null (a call of no team), which
 * a row comparison cannot order, so each column is keyed as (is null, text): nulls last.
 * Without bucket or groups the answer is one row, the total, whose key is empty.
 */
function byGroup(bucketStart: SQL | null, groups: Group[]): Keyset<UsageRow> {
  const expressions: SQL[] = [];
  if (bucketStart) expressions.push(bucketStart);
  for (const { column } of groups) {
    expressions.push(sql`(${column} is null)`, sql`coalesce(${column}::text, '')`);
  }
  const values = (key: unknown[]): SQL[] => {
    const [first, ...rest] = key;
    const bucketValues = bucketStart ? [sql`${first}::timestamptz`] : [];
    const groupValues = (bucketStart ? rest : key).flatMap((value) => [
      sql`${value === null}::boolean`,
      sql`${value ?? ""}::text`,
    ]);
    return [...bucketValues, ...groupValues];
  };
  const compare = (key: unknown[], operator: ">" | "<"): SQL =>
    expressions.length === 0
      ? // The one total row is the whole list: nothing lies after or before it.
        sql`false`
      : sql`(${sql.join(expressions, sql`, `)}) ${sql.raw(operator)} (${sql.join(values(key), sql`, `)})`;
  return {
    of: (row) => [
      ...(bucketStart ? [row.bucketStart?.toISOString() ?? null] : []),
      ...groups.map(({ field }) => row[field]),
    ],
    parse: (key) => {
      if (key.length !== (bucketStart ? 1 : 0) + groups.length) return undefined;
      const [first, ...rest] = key;
      if (bucketStart && (typeof first !== "string" || Number.isNaN(Date.parse(first)))) {
        return undefined;
      }
      const groupValues = bucketStart ? rest : key;
      return groupValues.every((value) => value === null || typeof value === "string")
        ? key
        : undefined;
    },
    after: (key) => compare(key, ">"),
    before: (key) => compare(key, "<"),
    order: (inverted) =>
      expressions.map((expression) => (inverted ? desc(expression) : asc(expression))),
  };
}

function toUsageRow(row: Record<string, unknown>): UsageRow {
  return {
    bucketStart: asDate(row.bucketStart),
    requests: Number(row.requests ?? 0),
    inputTokens: Number(row.inputTokens ?? 0),
    outputTokens: Number(row.outputTokens ?? 0),
    cachedInputTokens: Number(row.cachedInputTokens ?? 0),
    costUsd: Number(row.costUsd ?? 0),
    model: asText(row.model),
    provider: asText(row.provider),
    keyId: asText(row.keyId),
    teamId: asText(row.teamId),
    agentId: asText(row.agentId),
  };
}

// Drivers differ in how they return computed columns (pg parses timestamptz, others may not).
function asDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  return typeof value === "string" ? new Date(value) : null;
}

function asText(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
