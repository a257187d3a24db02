import { pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, instant, jsonObject } from "./columns.ts";
import { orgs } from "./orgs.ts";

/** Provider credentials (BYOK). org_id null = a global provider every org can route to. */
export const providers = pgTable(
  "providers",
  {
    id: id(),
    orgId: uuid("org_id").references(() => orgs.id, { onDelete: "cascade" }),
    /** Adapter kind: "openai", "anthropic", "openai-compatible", "mock", ... */
    kind: text("kind").notNull(),
    name: text("name").notNull(),
    baseUrl: text("base_url"),
    /** Encrypted with ENCRYPTION_KEY; never returned by the API. */
    apiKeyCiphertext: text("api_key_ciphertext"),
    /**
     * Extra request headers (`config.headers` on input) as one encrypted JSON object: headers
     * carry credentials too. Never returned by the API, only their names.
     */
    headersCiphertext: text("headers_ciphertext"),
    /** Non-secret options; `headers` never stays here (see functions/routing/provider-headers.ts). */
    config: jsonObject("config"),
    createdAt: createdAt(),
    disabledAt: instant("disabled_at"),
  },
  // NULLS NOT DISTINCT: two global providers (org_id null) may not share a name either.
  (t) => [unique("providers_org_id_name_unique").on(t.orgId, t.name).nullsNotDistinct()],
);
