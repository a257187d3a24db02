import { eq } from "drizzle-orm";
import { orgs } from "../../db/schema/index.ts";
import { builder } from "../builder.ts";
import type { Viewer as ViewerValue } from "../context.ts";
import { AdminRoleEnum } from "./admin-token.ts";
import { Org } from "./org.ts";

const ViewerKind = builder.enumType("ViewerKind", { values: ["MASTER", "ADMIN_TOKEN"] as const });

const Viewer = builder.objectRef<ViewerValue>("Viewer").implement({
  description: "Who the bearer token belongs to.",
  fields: (t) => ({
    kind: t.field({
      type: ViewerKind,
      resolve: (viewer) => (viewer.kind === "master" ? "MASTER" : "ADMIN_TOKEN"),
    }),
    role: t.field({
      type: AdminRoleEnum,
      nullable: true,
      resolve: (viewer) => (viewer.kind === "admin" ? viewer.role : null),
    }),
    org: t.field({
      type: Org,
      nullable: true,
      resolve: async (viewer, _args, context) => {
        if (viewer.kind !== "admin") return null;
        const [org] = await context.services.sql.db
          .select()
          .from(orgs)
          .where(eq(orgs.id, viewer.orgId));
        return org ?? null;
      },
    }),
  }),
});

builder.queryField("viewer", (t) =>
  t.field({
    type: Viewer,
    authScopes: { authenticated: true },
    resolve: (_root, _args, context) => {
      if (!context.viewer) throw new Error("authScopes guarantee a viewer");
      return context.viewer;
    },
  }),
);
