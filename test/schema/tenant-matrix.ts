/**
 * Builds, from the schema itself, a call of every mutation and every root query with arguments
 * that point at one org's objects. A field added to the schema tomorrow is walked too; an id
 * argument this file cannot place fails the test, so it is never skipped silently.
 */
import {
  type GraphQLArgument,
  GraphQLEnumType,
  type GraphQLField,
  type GraphQLInputField,
  GraphQLInputObjectType,
  type GraphQLInputType,
  GraphQLList,
  type GraphQLNamedType,
  GraphQLNonNull,
  GraphQLScalarType,
  type GraphQLSchema,
  getNamedType,
  isObjectType,
} from "graphql";

/**
 * Global ids of one org's objects, by GraphQL type name; a second object of a type an input names
 * twice has a name of its own (GranteeAgent: the other party of a grant).
 */
export type Fixtures = Record<string, string>;

/** Which object an id argument names, by its name; `id` takes the noun of the mutation. */
const ID_FIELDS: Record<string, string> = {
  orgId: "Org",
  teamId: "Team",
  keyId: "VirtualKey",
  agentId: "Agent",
  fromAgentId: "Agent",
  toAgentId: "GranteeAgent",
  providerId: "Provider",
  grantId: "DelegationGrant",
  parentGrantId: "DelegationGrant",
  // Set-limit inputs are generated with scope ORG (the first LimitScope value).
  scopeId: "Org",
};

/** Values that pass each field's validation, so only authorization can refuse the call. */
const STRING_VALUES: Record<string, string> = {
  name: "matrix-name",
  kind: "openai-compatible",
  baseUrl: "http://127.0.0.1:9/v1",
  url: "http://127.0.0.1:9/hook",
  apiKey: "sk-matrix",
  alias: "matrix-alias",
  model: "mock/echo",
  window: "1d",
};

/** node(id:) and nodes(ids:) are walked per node type instead (see the test). */
const NODE_FIELDS = new Set(["node", "nodes"]);

export interface GeneratedCall {
  field: string;
  document: string;
  variables: Record<string, unknown>;
  /** The object types its id arguments point at. */
  targets: string[];
}

export function mutationNoun(mutation: string): string {
  return mutation.replace(/^(create|update|delete|rotate|revoke|set)/, "");
}

export function callsOf(
  schema: GraphQLSchema,
  operation: "query" | "mutation",
  fixtures: Fixtures,
): GeneratedCall[] {
  const root = operation === "query" ? schema.getQueryType() : schema.getMutationType();
  if (!root) return [];
  return Object.values(root.getFields())
    .filter(
      (field) =>
        (operation === "mutation" || field.args.length > 0) && !NODE_FIELDS.has(field.name),
    )
    .map((field) => generatedCall(operation, field, fixtures));
}

function generatedCall(
  operation: "query" | "mutation",
  field: GraphQLField<unknown, unknown>,
  fixtures: Fixtures,
): GeneratedCall {
  const targets: string[] = [];
  const noun = operation === "mutation" ? mutationNoun(field.name) : getNamedType(field.type).name;
  const place = (name: string): string => {
    const typename = name === "id" && noun ? noun : ID_FIELDS[name];
    const id = typename ? fixtures[typename] : undefined;
    if (!typename || !id) {
      throw new Error(
        `${field.name}: no fixture for id argument "${name}"${typename ? ` (${typename})` : ""}; add one to the tenant matrix`,
      );
    }
    targets.push(typename);
    return id;
  };
  const variables: Record<string, unknown> = {};
  for (const arg of field.args) {
    const value = valueFor(arg, place);
    if (value !== undefined) variables[arg.name] = value;
  }
  const declarations = field.args
    .filter((arg) => variables[arg.name] !== undefined)
    .map((arg) => `$${arg.name}: ${String(arg.type)}`);
  const passed = field.args
    .filter((arg) => variables[arg.name] !== undefined)
    .map((arg) => `${arg.name}: $${arg.name}`);
  const selection = selectionOf(getNamedType(field.type));
  const head = declarations.length ? `(${declarations.join(", ")})` : "";
  const call = passed.length ? `(${passed.join(", ")})` : "";
  return {
    field: field.name,
    document: `${operation}${head} { ${field.name}${call}${selection} }`,
    variables,
    targets,
  };
}

/**
 * What a call asks back: the id too where the type has one, so a list that wrongly answers with
 * another org's rows shows their ids (a bare __typename would hide the leak).
 */
function selectionOf(type: GraphQLNamedType): string {
  if (!isObjectType(type)) return "";
  const fields = type.getFields();
  // A connection: the ids of its nodes, which is where a leak would show.
  const node = fields.edges ? getNamedType(fields.edges.type) : undefined;
  if (node && isObjectType(node) && node.getFields().node) {
    return ` { edges { node${selectionOf(getNamedType(node.getFields().node?.type ?? type))} } }`;
  }
  return "id" in fields ? " { __typename id }" : " { __typename }";
}

/**
 * Every connection field of a type (Org.teams, Org.virtualKeys, …), as one query of the given
 * object by id asking each for its node ids: what an org's own token sees of each of its lists.
 */
export function connectionsQueryOf(
  schema: GraphQLSchema,
  typename: string,
  except: string[] = [],
): string {
  const type = schema.getType(typename);
  if (!isObjectType(type)) throw new Error(`${typename} is not an object type`);
  const lists = Object.values(type.getFields())
    .filter((field) => getNamedType(field.type).name.endsWith("Connection"))
    .filter((field) => !except.includes(field.name))
    .map((field) => `${field.name}(first: 10)${selectionOf(getNamedType(field.type))}`);
  return `query ($id: ID!) { node(id: $id) { ... on ${typename} { ${lists.join(" ")} } } }`;
}

type Placer = (name: string) => string;

function valueFor(field: GraphQLArgument | GraphQLInputField, place: Placer): unknown {
  const required = field.type instanceof GraphQLNonNull;
  const named = getNamedType(field.type);
  // Every id is given, required or not: an optional reference is a way across tenants too.
  if (named.name === "ID") return wrap(field.type, place(field.name));
  if (!required) return undefined;
  return wrap(field.type, leafValue(field.name, field.type, place));
}

function leafValue(name: string, type: GraphQLInputType, place: Placer): unknown {
  const named = getNamedType(type);
  if (named instanceof GraphQLInputObjectType) {
    const value: Record<string, unknown> = {};
    for (const inner of Object.values(named.getFields())) {
      const innerValue = valueFor(inner, place);
      if (innerValue !== undefined) value[inner.name] = innerValue;
    }
    return value;
  }
  if (named instanceof GraphQLEnumType) {
    // Limit scopes: ORG, so that scopeId names the org (see ID_FIELDS).
    const values = named.getValues().map((value) => value.value);
    return values.includes("ORG") ? "ORG" : values[0];
  }
  if (named instanceof GraphQLScalarType) {
    switch (named.name) {
      case "String":
        return STRING_VALUES[name] ?? "matrix";
      case "Int":
        return 1;
      case "Float":
        return 1;
      case "Boolean":
        return false;
      case "DateTime":
        return new Date(Date.now() + 86_400_000).toISOString();
      case "JSONObject":
        return {};
      case "Usd":
        return "1";
    }
  }
  throw new Error(`no value for ${name}: ${String(type)}`);
}

function wrap(type: GraphQLInputType, value: unknown): unknown {
  const inner = type instanceof GraphQLNonNull ? type.ofType : type;
  return inner instanceof GraphQLList ? [value] : value;
}

/** Object types that implement Node: what node(id:) can return. */
export function nodeTypeNames(schema: GraphQLSchema): string[] {
  return Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && type.getInterfaces().some((i) => i.name === "Node"))
    .map((type) => type.name)
    .sort();
}
