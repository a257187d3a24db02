import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant, jsonObject } from "./columns.ts";
import { orgs } from "./orgs.ts";
import { teams } from "./teams.ts";

/** A principal that calls models with its own virtual key and can delegate to other agents. */
export const agents = pgTable(
  "agents",
  {
    id: id(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    teamId: uuid("team_id").references(() => teams.id),
    name: text("name").notNull(),
    metadata: jsonObject("metadata"),
    createdAt: createdAt(),
    disabledAt: instant("disabled_at"),
  },
  (t) => [index("agents_org_id_idx").on(t.orgId)],
);
