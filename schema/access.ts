/**
 * Who may do what in the admin API, and the one way every type reads and writes rows.
 *
 * THE PATTERN (every type copies it; see schema/types/team.ts for the shortest example):
 *
 * 1. Roles are declared with scope-auth next to each field, never as `if` in a resolver.
 *    - A field whose org comes from an argument names it:
 *        `authScopes: (_, { input }) => ({ orgWriter: input.orgId.id })`
 *      (orgReader: any role; orgWriter: OWNER or ADMIN; orgOwner: OWNER; the master key passes all).
 *    - A field acting on an existing row by id declares the role only (`{ writer: true }`,
 *      `{ owner: true }`): the row is then loaded with `loadInOrg`, so a row of another org is
 *      NOT_FOUND, exactly like an id that never existed. The row's org is the viewer's own.
 *    - Object types declare `authScopes: (row) => ({ orgReader: row.orgId })`, a second guard
 *      behind the loaders for anything a resolver returns.
 *    OWNER: everything in the org, tokens included. ADMIN: everything but admin tokens and
 *    deleting the org. VIEWER: queries only. The root MASTER_KEY: everything, every org.
 *
 * 2. Reads go through the tenant choke point: `loadInOrg` / `loadManyInOrg` query by id AND the
 *    viewer's org (`tenantFilter`), so another tenant's row is never even read. Node types use
 *    `loadManyInOrg` as their `loadMany`; lists filter by the parent org the viewer could see.
 *
 * 3. Writes go through `auditedWrite` (schema/audited-write.ts): validation (zod on the input,
 *    domain checks in `write`), the change and its audit event in ONE transaction, so a change
 *    without its audit event (or the reverse) never commits.
 */
import { and, eq, inArray, isNull, or, type SQL } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { AdminRole, GraphQLContext, Viewer } from "./context.ts";
import { adminError } from "./errors.ts";

/** The one ranking of roles: a role may do everything the roles below it may. */
export const ROLE_RANK: Record<AdminRole, number> = { VIEWER: 1, ADMIN: 2, OWNER: 3 };

/** Whether the viewer holds at least `minimum` in `orgId` (any org: the viewer's own). */
export function hasRole(viewer: Viewer | null, minimum: AdminRole, orgId?: string): boolean {
  if (viewer?.kind === "master") return true;
  if (viewer?.kind !== "admin") return false;
  if (orgId !== undefined && viewer.orgId !== orgId) return false;
  return ROLE_RANK[viewer.role] >= ROLE_RANK[minimum];
}

/** The scopes builder.ts hands scope-auth; the names are the ones fields declare. */
export function authScopesOf(viewer: Viewer | null) {
  return {
    authenticated: viewer !== null,
    master: viewer?.kind === "master",
    /** OWNER or ADMIN of the viewer's own org (rows then load within it), or the master key. */
    writer: hasRole(viewer, "ADMIN"),
    /** OWNER of the viewer's own org, or the master key. */
    owner: hasRole(viewer, "OWNER"),
    orgReader: (orgId: string) => hasRole(viewer, "VIEWER", orgId),
    orgWriter: (orgId: string) => hasRole(viewer, "ADMIN", orgId),
    orgOwner: (orgId: string) => hasRole(viewer, "OWNER", orgId),
  };
}

/** The orgs this viewer may see: all for the master key, one for an org token. */
export function orgScopeOf(viewer: Viewer | null): { all: true } | { all: false; orgId: string } {
  if (viewer?.kind === "master") return { all: true };
  if (viewer?.kind === "admin") return { all: false, orgId: viewer.orgId };
  throw adminError("UNAUTHENTICATED", "Send Authorization: Bearer <admin token>");
}

/** A table the choke point can filter: rows with an id and the org they belong to. */
export interface OrgTable {
  table: PgTable;
  id: AnyPgColumn;
  orgId: AnyPgColumn;
}

export interface TenantOptions {
  /**
   * Rows with org_id null (global providers and routes) are visible to every viewer for reading.
   * Writes leave it off: only the master key may change a global row, and to anyone else it does
   * not exist.
   */
  globalRows?: boolean;
}

/** The condition every read of an org-owned table carries: the viewer's org, or none (master). */
export function tenantFilter(
  context: GraphQLContext,
  orgId: AnyPgColumn,
  options: TenantOptions = {},
): SQL | undefined {
  const scope = orgScopeOf(context.viewer);
  if (scope.all) return undefined;
  return options.globalRows ? or(eq(orgId, scope.orgId), isNull(orgId)) : eq(orgId, scope.orgId);
}

const uuid = z.uuid();

/**
 * One row of `source` by id, only within what the viewer may see. Absent, malformed and foreign
 * ids are all null: the caller answers NOT_FOUND with no data either way.
 */
export async function loadInOrg<Row>(
  context: GraphQLContext,
  source: OrgTable,
  id: string,
  options: TenantOptions = {},
): Promise<Row | null> {
  const [row] = await loadManyInOrg<Row>(context, source, [id], options);
  return row ?? null;
}

/** Many rows by id, one query, in the order asked (null where absent or foreign). */
export async function loadManyInOrg<Row>(
  context: GraphQLContext,
  source: OrgTable,
  ids: readonly string[],
  options: TenantOptions = {},
): Promise<Array<Row | null>> {
  const wellFormed = [...new Set(ids.filter((id) => uuid.safeParse(id).success))];
  if (wellFormed.length === 0) return ids.map(() => null);
  const rows = (await context.services.sql.db
    .select()
    .from(source.table)
    .where(
      and(inArray(source.id, wellFormed), tenantFilter(context, source.orgId, options)),
    )) as Array<Record<string, unknown>>;
  const byId = new Map(rows.map((row) => [String(row.id), row as Row]));
  return ids.map((id) => byId.get(id) ?? null);
}
