/**
 * Tenant checks for mutations and root queries whose org comes from an argument. Object types
 * declare their own scopes (see builder.ts); loaders also filter by the viewer's org, so another
 * tenant's row is never even read.
 */
import type { AdminRole, GraphQLContext, Viewer } from "./context.ts";
import { adminError } from "./errors.ts";

const ROLE_RANK: Record<AdminRole, number> = { VIEWER: 1, ADMIN: 2, OWNER: 3 };

export function requireViewer(context: GraphQLContext): Viewer {
  if (!context.viewer) {
    throw adminError("UNAUTHENTICATED", "Send Authorization: Bearer <admin token>");
  }
  return context.viewer;
}

export function requireOrgRole(context: GraphQLContext, orgId: string, minimum: AdminRole): void {
  const viewer = requireViewer(context);
  if (viewer.kind === "master") return;
  if (viewer.orgId !== orgId || ROLE_RANK[viewer.role] < ROLE_RANK[minimum]) {
    throw adminError("FORBIDDEN", "Not allowed for this token");
  }
}

export function requireMaster(context: GraphQLContext): void {
  const viewer = requireViewer(context);
  if (viewer.kind !== "master") throw adminError("FORBIDDEN", "Only the master key may do this");
}

/** The orgs this viewer may see: all for the master key, one for an org token. */
export function orgScopeOf(viewer: Viewer | null): { all: true } | { all: false; orgId: string } {
  if (viewer?.kind === "master") return { all: true };
  if (viewer?.kind === "admin") return { all: false, orgId: viewer.orgId };
  throw adminError("UNAUTHENTICATED", "Send Authorization: Bearer <admin token>");
}
