/**
 * The query cost of a document, checked while validating (schema/limits.ts refuses it past the
 * limit). graphql-armor's measure: 1 per scalar, 2 per object, each child times 1.5 per level,
 * and everything under a connection times its page size.
 *
 * graphql-armor's own rule reads only a literal `first`/`last`: a page asked by variable, or left
 * to the default of DEFAULT_PAGE_SIZE, it counted as one node, so connections nested without
 * `first` ran 50 × 50 rows at the cost of one. Here the schema says which fields page (those with
 * a `first` argument) and the page size is, in order: the literal, the variable's value (yoga
 * hands the request's variables to validation), the variable's default, DEFAULT_PAGE_SIZE.
 */
import {
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from "graphql";
import { DEFAULT_PAGE_SIZE } from "./connections.ts";

const SCALAR_COST = 1;
const OBJECT_COST = 2;
const DEPTH_FACTOR = 1.5;
/** What a fragment that spreads itself costs (the document is invalid anyway; armor's figure). */
const FRAGMENT_CYCLE_COST = 1000;

export type Variables = Record<string, unknown>;

interface Costing {
  schema: GraphQLSchema;
  fragment: (name: string) => FragmentDefinitionNode | undefined;
  operation: OperationDefinitionNode;
  variables: Variables;
  /** Fragment costs of this operation (its variables may size their pages), and cycle marks. */
  fragments: Map<string, number | "expanding">;
}

/** The cost of one operation of a document, with the request's variables. */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragment: (name: string) => FragmentDefinitionNode | undefined,
  variables: Variables,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const costing: Costing = { schema, fragment, operation, variables, fragments: new Map() };
  return selectionSetCost(costing, operation.selectionSet, root, 0);
}

/** Sum of the selections, each weighted by the level below `parent` (armor: depth factor). */
function selectionSetCost(
  costing: Costing,
  selectionSet: SelectionSetNode,
  parent: GraphQLNamedType | undefined,
  factor: number,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    const child = selectionCost(costing, selection, parent);
    // The operation's own fields are summed unweighted, as graphql-armor does.
    cost += factor === 0 ? child : factor * child;
  }
  return cost;
}

function selectionCost(
  costing: Costing,
  selection: SelectionSetNode["selections"][number],
  parent: GraphQLNamedType | undefined,
): number {
  switch (selection.kind) {
    case Kind.FIELD: {
      // Introspection is exempt (GraphiQL's query is deep and wide).
      if (selection.name.value === "__schema") return 0;
      if (!selection.selectionSet) return SCALAR_COST;
      const field = fieldOf(parent, selection.name.value);
      const children = selectionSetCost(
        costing,
        selection.selectionSet,
        field ? namedTypeOf(field.type) : undefined,
        DEPTH_FACTOR,
      );
      return (OBJECT_COST + children) * pageSize(costing, selection.arguments ?? [], field);
    }
    case Kind.INLINE_FRAGMENT: {
      const type = selection.typeCondition
        ? costing.schema.getType(selection.typeCondition.name.value)
        : parent;
      return (
        OBJECT_COST +
        selectionSetCost(costing, selection.selectionSet, type ?? undefined, DEPTH_FACTOR)
      );
    }
    case Kind.FRAGMENT_SPREAD:
      return SCALAR_COST + DEPTH_FACTOR * fragmentCost(costing, selection.name.value);
  }
}

function fragmentCost(costing: Costing, name: string): number {
  const known = costing.fragments.get(name);
  if (known === "expanding") return FRAGMENT_CYCLE_COST;
  if (known !== undefined) return known;
  const fragment = costing.fragment(name);
  if (!fragment) return 0;
  costing.fragments.set(name, "expanding");
  const type = costing.schema.getType(fragment.typeCondition.name.value) ?? undefined;
  const cost = OBJECT_COST + selectionSetCost(costing, fragment.selectionSet, type, DEPTH_FACTOR);
  costing.fragments.set(name, cost);
  return cost;
}

/*
 * Types are told apart by shape, not with graphql-js' isObjectType & co: those use instanceof,
 * and the schema may come from another copy of graphql-js than this module's (the served one is
 * built by Pothos; in development graphql-js throws on a cross-realm check, in production it
 * answers false, which would silently skip every page size).
 */
function fieldOf(
  parent: GraphQLNamedType | undefined,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (!parent || !("getFields" in parent) || typeof parent.getFields !== "function") {
    return undefined;
  }
  const fields = parent.getFields() as Record<string, GraphQLField<unknown, unknown> | undefined>;
  return fields[name];
}

/** The named type under a field's list and non-null wrappers. */
function namedTypeOf(type: GraphQLOutputType): GraphQLNamedType {
  let inner: GraphQLOutputType = type;
  while ("ofType" in inner && inner.ofType) inner = inner.ofType as GraphQLOutputType;
  return inner as GraphQLNamedType;
}

/**
 * How many nodes the field's selection is paid for: 1 for a plain field; for a page, the larger
 * of `first`/`last` as given, or the default page when neither is.
 */
function pageSize(
  costing: Costing,
  args: ReadonlyArray<{ name: { value: string }; value: ValueNode }>,
  field: GraphQLField<unknown, unknown> | undefined,
): number {
  const pages = field?.args.some((arg) => arg.name === "first") ?? false;
  const sizes = args
    .filter((arg) => arg.name.value === "first" || arg.name.value === "last")
    .map((arg) => intValue(costing, arg.value))
    .filter((size): size is number => size !== undefined);
  if (sizes.length > 0) return Math.max(1, ...sizes);
  return pages ? DEFAULT_PAGE_SIZE : 1;
}

/** An Int argument's value, or undefined when it is null or absent (the default applies). */
function intValue(costing: Costing, value: ValueNode): number | undefined {
  if (value.kind === Kind.INT) return Number.parseInt(value.value, 10);
  if (value.kind !== Kind.VARIABLE) return undefined;
  const name = value.name.value;
  const given = costing.variables[name];
  if (typeof given === "number" && Number.isFinite(given)) return Math.trunc(given);
  if (given !== undefined) return undefined;
  const declared = costing.operation.variableDefinitions?.find(
    (definition) => definition.variable.name.value === name,
  );
  return declared?.defaultValue ? intValue(costing, declared.defaultValue) : undefined;
}

/** The validation rule: `onReject` is called with the error when an operation costs too much. */
export function costLimitRule(options: {
  maxCost: number;
  variables: Variables;
  onReject: (error: GraphQLError) => void;
}): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition: {
      enter(operation) {
        const cost = operationCost(
          context.getSchema(),
          operation,
          (name) => context.getFragment(name) ?? undefined,
          options.variables,
        );
        if (cost > options.maxCost) {
          options.onReject(
            new GraphQLError(`Query Cost limit of ${options.maxCost} exceeded, found ${cost}.`),
          );
        }
      },
    },
  });
}
