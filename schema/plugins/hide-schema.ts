/**
 * Production keeps its schema to itself unless SWITCHYARD_GRAPHQL_INTROSPECTION=true: `__schema`
 * and `__type` are refused (envelop's plugin adds graphql-js's NoSchemaIntrospectionCustomRule;
 * `__typename` still works), and "Did you mean …?" hints, which would spell field names out one
 * typo at a time, are blanked by graphql-armor. GraphiQL is switched off alongside, in yoga.ts.
 *
 * Both come from packages rather than importing the rule here: they load graphql-js the way
 * yoga's validator does, and the rule's type checks fail across two copies of it.
 */
import { useDisableIntrospection } from "@envelop/disable-introspection";
import { blockFieldSuggestionsPlugin } from "@escape.tech/graphql-armor-block-field-suggestions";

export function hideSchemaPlugins() {
  return [useDisableIntrospection(), blockFieldSuggestionsPlugin()];
}
