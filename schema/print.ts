/** `npm run schema:print`: writes schema/schema.graphql, the checked-in contract of the admin API. */
import { writeFileSync } from "node:fs";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "./index.ts";

const target = new URL("./schema.graphql", import.meta.url);
writeFileSync(target, `${printSchema(lexicographicSortSchema(schema))}\n`);
console.log(`wrote ${target.pathname}`);
