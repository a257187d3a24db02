/**
 * What a budget or rate limit is set on: the org itself, or one of its teams, keys or agents.
 * `scopeId` is the relay global id of that object both ways, so a client passes back what it
 * read elsewhere, and the object's type is checked against the scope.
 *
 * Tenant rule: the object is looked up within the viewer's org (any org for the master key), so
 * another org's team, key or agent is NOT_FOUND, as through `node(id)`; the org of the object is
 * the org the limit belongs to.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, eq } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { BudgetScope } from "../../db/schema/budgets.ts";
import { agents, orgs, teams, virtualKeys } from "../../db/schema/index.ts";
import { tenantFilter } from "../access.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, notFound } from "../errors.ts";

export const LIMIT_SCOPES = ["ORG", "TEAM", "KEY", "AGENT"] as const;
export type AdminLimitScope = (typeof LIMIT_SCOPES)[number];

export const LimitScope = builder.enumType("LimitScope", {
  description: "What a budget or rate limit applies to.",
  values: LIMIT_SCOPES,
});

const SCOPE_OBJECTS: Record<
  AdminLimitScope,
  { typename: string; what: string; table: PgTable; id: AnyPgColumn; orgId: AnyPgColumn }
> = {
  ORG: { typename: "Org", what: "org", table: orgs, id: orgs.id, orgId: orgs.id },
  TEAM: { typename: "Team", what: "team", table: teams, id: teams.id, orgId: teams.orgId },
  KEY: {
    typename: "VirtualKey",
    what: "virtual key",
    table: virtualKeys,
    id: virtualKeys.id,
    orgId: virtualKeys.orgId,
  },
  AGENT: { typename: "Agent", what: "agent", table: agents, id: agents.id, orgId: agents.orgId },
};

export function isAdminLimitScope(scope: BudgetScope): scope is AdminLimitScope {
  return (LIMIT_SCOPES as readonly string[]).includes(scope);
}

/**
 * The global id of the object a budget or rate limit is set on. Encoded here rather than through
 * `t.globalID`, which needs the type in the schema: agents have no GraphQL type yet.
 */
export function scopeGlobalId(scope: BudgetScope, scopeId: string): string {
  return encodeGlobalID(
    isAdminLimitScope(scope) ? SCOPE_OBJECTS[scope].typename : "DelegationGrant",
    scopeId,
  );
}

/**
 * The scopes a set-limit mutation declares: on an org, a writer of that org; on anything else, a
 * writer, whose target `resolveScopeForWrite` then looks up within the viewer's org.
 */
export function limitWriteScopes(input: { scope: AdminLimitScope; scopeId: { id: string } }) {
  return input.scope === "ORG" ? { orgWriter: input.scopeId.id } : { writer: true };
}

/**
 * Finds the object `scopeId` names, within what the viewer may see (the tenant choke point of
 * access.ts, for four tables at once). Returns the org and the object's raw id.
 */
export async function resolveScopeForWrite(
  context: GraphQLContext,
  scope: AdminLimitScope,
  scopeId: { typename: string; id: string },
): Promise<{ orgId: string; scopeId: string }> {
  const target = SCOPE_OBJECTS[scope];
  if (scopeId.typename !== target.typename) {
    throw badInput(
      `input.scopeId: scope ${scope} takes a ${target.typename} id, not a ${scopeId.typename} id`,
    );
  }
  if (!z.uuid().safeParse(scopeId.id).success) throw notFound(target.what);
  const [row] = await context.services.sql.db
    .select({ orgId: target.orgId })
    .from(target.table)
    .where(and(eq(target.id, scopeId.id), tenantFilter(context, target.orgId)));
  if (!row) throw notFound(target.what);
  return { orgId: String(row.orgId), scopeId: scopeId.id };
}
