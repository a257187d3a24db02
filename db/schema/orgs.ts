import { pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, id } from "./columns.ts";

/** The tenant: every other row belongs to one org, or is global (org_id null). */
export const orgs = pgTable("orgs", {
  id: id(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});
