/**
 * Who is asking the admin API. Resolved once per request from `Authorization: Bearer <token>`:
 * the root MASTER_KEY (all orgs) or an org-scoped admin token with a role.
 */
import type { Services } from "../functions/services.ts";

export type AdminRole = "OWNER" | "ADMIN" | "VIEWER";

export type Viewer =
  | { kind: "master" }
  | { kind: "admin"; tokenId: string; orgId: string; role: AdminRole };

export interface GraphQLContext {
  services: Services;
  viewer: Viewer | null;
  requestId: string;
  /** The client's address as the platform reports it (first x-forwarded-for hop), for audit. */
  clientIp: string | null;
  /** This request's DataLoaders by name (schema/loaders.ts). */
  loaders: Map<string, unknown>;
}
