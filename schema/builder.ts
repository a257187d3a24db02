/** The Pothos schema builder: plugins, scalars and the authorization scopes every type uses. */
import SchemaBuilder from "@pothos/core";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import SimpleObjectsPlugin from "@pothos/plugin-simple-objects";
import ValidationPlugin from "@pothos/plugin-validation";
import { DateTimeResolver, JSONObjectResolver } from "graphql-scalars";
import { authScopesOf } from "./access.ts";
import type { GraphQLContext } from "./context.ts";
import { adminError } from "./errors.ts";
import { decodeUuidGlobalId } from "./global-id.ts";

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: {
    authenticated: boolean;
    master: boolean;
    /** OWNER or ADMIN of the viewer's own org (or the master key); rows load within that org. */
    writer: boolean;
    /** OWNER of the viewer's own org (or the master key). */
    owner: boolean;
    /** Any admin of this org (or the master key). */
    orgReader: string;
    /** OWNER or ADMIN of this org (or the master key). */
    orgWriter: string;
    /** OWNER of this org (or the master key). */
    orgOwner: string;
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, SimpleObjectsPlugin, RelayPlugin, ValidationPlugin],
  relay: { decodeGlobalID: decodeUuidGlobalId },
  validation: {
    validationError: (result) =>
      adminError(
        "BAD_USER_INPUT",
        result.issues
          .map((issue) => {
            const path = (issue.path ?? [])
              .map((part) => (typeof part === "object" ? String(part.key) : String(part)))
              .join(".");
            return `${path || "input"}: ${issue.message}`;
          })
          .join("; "),
      ),
  },
  scopeAuth: {
    // One error for a forbidden object, not one per field.
    runScopesOnType: true,
    unauthorizedError: (_parent, context) =>
      context.viewer
        ? adminError("FORBIDDEN", "Not allowed for this token")
        : adminError("UNAUTHENTICATED", "Send Authorization: Bearer <admin token>"),
    authScopes: (context) => authScopesOf(context.viewer),
  },
});

builder.addScalarType("DateTime", DateTimeResolver);
builder.addScalarType("JSONObject", JSONObjectResolver);

builder.queryType({});
builder.mutationType({});
