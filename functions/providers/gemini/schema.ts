/**
 * JSON Schema (as OpenAI tools and `response_format.json_schema` carry it) → Gemini's Schema, a
 * subset of OpenAPI 3.0's (https://ai.google.dev/api/caching#Schema). Pure.
 *
 * Where the two differ: a type list with "null" becomes `nullable`; `oneOf` becomes `anyOf`
 * (Gemini has no exclusive variant; a model's answer fitting several is harmless); `const`
 * becomes a one-value `enum`; `$ref` is resolved against `$defs`/`definitions` and inlined;
 * keywords Gemini does not know (`additionalProperties`, `$schema`, `examples`, ...) are dropped,
 * as Gemini refuses the whole request for an unknown one. A `$ref` cycle cannot be inlined and
 * is refused.
 */
import type { Refuse } from "./convert-messages.ts";

type JsonSchema = Record<string, unknown>;

/** Keywords copied as they are. */
const KEPT = [
  "title",
  "description",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "default",
  "example",
  "propertyOrdering",
] as const;

/** Formats Gemini accepts; others are dropped (the description still says what is meant). */
const FORMATS = new Set(["enum", "date-time", "int32", "int64", "float", "double"]);

const MAX_DEPTH = 32;

export function toGeminiSchema(schema: JsonSchema, param: string, refuse: Refuse): JsonSchema {
  const defs = {
    ...record(schema.definitions),
    ...record(schema.$defs),
  };
  const convert = (node: unknown, trail: readonly string[]): JsonSchema => {
    if (trail.length > MAX_DEPTH) {
      return refuse({ param, what: "JSON schemas nested more than 32 levels deep" });
    }
    const input = record(node);
    const ref = input.$ref;
    if (typeof ref === "string") {
      const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref)?.[1];
      const target = name === undefined ? undefined : defs[name];
      if (name === undefined || target === undefined) {
        return refuse({ param, what: `a JSON schema \`$ref\` that does not resolve (${ref})` });
      }
      if (trail.includes(name)) {
        return refuse({ param, what: "recursive JSON schemas (a `$ref` cycle)" });
      }
      const { $ref: _, ...siblings } = input;
      return { ...convert(target, [...trail, name]), ...convert(siblings, trail) };
    }
    const out: JsonSchema = {};
    for (const key of KEPT) if (input[key] !== undefined) out[key] = input[key];
    if (typeof input.format === "string" && FORMATS.has(input.format)) out.format = input.format;

    const types = Array.isArray(input.type)
      ? input.type
      : input.type === undefined
        ? []
        : [input.type];
    const nonNull = types.filter((type) => type !== "null");
    if (nonNull.length < types.length) out.nullable = true;
    if (nonNull.length === 1) out.type = nonNull[0];
    else if (nonNull.length > 1) {
      // ["string", "number"]: one branch per type, the rest of the keywords on each.
      const { type: _, ...rest } = input;
      out.anyOf = nonNull.map((type) => convert({ ...rest, type }, trail));
      return withNullable(out);
    }

    const variants = [
      ...(Array.isArray(input.anyOf) ? input.anyOf : []),
      ...(Array.isArray(input.oneOf) ? input.oneOf : []),
    ];
    if (variants.length > 0) {
      const nullBranch = variants.filter((variant) => record(variant).type === "null");
      const others = variants.filter((variant) => record(variant).type !== "null");
      if (nullBranch.length > 0) out.nullable = true;
      if (others.length === 1) Object.assign(out, convert(others[0], trail), withNullable(out));
      else if (others.length > 1) out.anyOf = others.map((variant) => convert(variant, trail));
    }
    if (Array.isArray(input.allOf)) {
      for (const part of input.allOf) mergeInto(out, convert(part, trail));
    }

    if (input.const !== undefined) out.enum = [String(input.const)];
    else if (Array.isArray(input.enum)) {
      // Gemini's enum is a list of strings on a string schema.
      out.enum = input.enum.filter((value) => value !== null).map(String);
      if (out.type === undefined || out.type === "string") {
        out.type = "string";
        out.format = "enum";
      }
    }
    if (out.enum !== undefined && out.type === undefined) out.type = "string";

    const properties = record(input.properties);
    if (Object.keys(properties).length > 0) {
      out.properties = Object.fromEntries(
        Object.entries(properties).map(([name, value]) => [name, convert(value, trail)]),
      );
      out.type ??= "object";
    }
    if (Array.isArray(input.required)) {
      const known = Object.keys(properties);
      out.required = input.required.filter(
        (name): name is string => typeof name === "string" && known.includes(name),
      );
    }
    if (input.items !== undefined && !Array.isArray(input.items)) {
      out.items = convert(input.items, trail);
      out.type ??= "array";
    } else if (Array.isArray(input.prefixItems) && input.prefixItems.length > 0) {
      // Tuples have no Gemini form: any of the positions' schemas.
      out.items = { anyOf: input.prefixItems.map((item) => convert(item, trail)) };
    }
    return out;
  };
  return convert(schema, []);
}

/** `nullable` only when true: Gemini reads an absent one as false. */
function withNullable(schema: JsonSchema): JsonSchema {
  if (schema.nullable !== true) delete schema.nullable;
  return schema;
}

function mergeInto(target: JsonSchema, part: JsonSchema): void {
  for (const [key, value] of Object.entries(part)) {
    if (key === "properties") {
      target.properties = { ...record(target.properties), ...record(value) };
    } else if (key === "required" && Array.isArray(value)) {
      const required = Array.isArray(target.required) ? target.required : [];
      target.required = [...new Set([...required, ...value])];
    } else target[key] ??= value;
  }
}

function record(value: unknown): JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonSchema)
    : {};
}
