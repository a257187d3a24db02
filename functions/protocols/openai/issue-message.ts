/**
 * Turns a zod issue into the error a client can act on: which field (`param`, in OpenAI's
 * `messages[0].content` notation) and why, worded like OpenAI's own 400 messages.
 */
import type { z } from "zod";

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

export interface RequestProblem {
  /** A sentence for `error.message`. */
  message: string;
  /** The offending field for `error.param`; null when the body itself is wrong. */
  param: string | null;
}

const EXPECTED_PHRASES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  array: "an array",
  object: "an object",
  record: "an object",
  null: "null",
};

export function describeIssue(issue: Issue, prefix: Path = []): RequestProblem {
  const path = [...prefix, ...issue.path];
  const param = formatParam(path);
  switch (issue.code) {
    case "invalid_type":
      if (!("input" in issue) || issue.input === undefined) return missing(param);
      return {
        param,
        message: `${invalidTypeFor(param)}: expected ${expectedPhrase(issue.expected)}, but got ${describeValue(issue.input)} instead.`,
      };
    case "invalid_union":
      return describeUnion(issue, path, param);
    case "invalid_value":
      return {
        param,
        message: `Invalid value for '${param}': ${quote(issue.input)}. Supported values are: ${listValues(issue.values)}.`,
      };
    case "too_big":
    case "too_small":
      return { param, message: `Invalid '${param}': ${describeBound(issue)}.` };
    default:
      return { param, message: `Invalid '${param}': ${issue.message}.` };
  }
}

function describeUnion(
  issue: Extract<Issue, { code: "invalid_union" }>,
  path: Path,
  param: string | null,
): RequestProblem {
  if (issue.discriminator !== undefined) {
    // zod reports a failed discriminator at `<object path>.<discriminator>` with the object as input.
    const value = isRecord(issue.input) ? issue.input[issue.discriminator] : undefined;
    if (value === undefined) return missing(param);
    const options = "options" in issue ? (issue.options ?? []) : [];
    return {
      param,
      message: `Invalid value for '${param}': ${quote(value)}. Supported values are: ${listValues(options)}.`,
    };
  }
  if (issue.errors.length === 0) {
    return {
      param,
      message: `Invalid '${param ?? "body"}': the value fits none of the allowed forms.`,
    };
  }
  // A union fails in every branch. A branch whose only complaint is the value's type at the
  // union itself is one the client did not mean; the first other branch says what went wrong.
  const meant = issue.errors.find((branch) => !isRootTypeMismatch(branch));
  const first = meant?.[0];
  if (first) return describeIssue(first, path);
  const expected = issue.errors.flatMap((branch) =>
    branch.flatMap((inner) =>
      inner.code === "invalid_type" ? [expectedPhrase(inner.expected)] : [],
    ),
  );
  if (issue.input === undefined) return missing(param);
  return {
    param,
    message: `${invalidTypeFor(param)}: expected one of ${joinWith([...new Set(expected)], "or")}, but got ${describeValue(issue.input)} instead.`,
  };
}

function isRootTypeMismatch(branch: readonly Issue[]): boolean {
  return branch.every((inner) => inner.path.length === 0 && inner.code === "invalid_type");
}

function describeBound(issue: Extract<Issue, { code: "too_big" | "too_small" }>): string {
  const limit = issue.code === "too_big" ? issue.maximum : issue.minimum;
  const comparison = issue.code === "too_big" ? "<=" : ">=";
  const input = "input" in issue ? issue.input : undefined;
  if (issue.origin === "array") {
    const kind = issue.code === "too_big" ? "maximum" : "minimum";
    const got =
      Array.isArray(input) && input.length > 0
        ? `an array with length ${input.length}`
        : "an empty array";
    return `expected an array with ${kind} length ${String(limit)}, but got ${got} instead`;
  }
  if (issue.origin === "string") {
    if (issue.code === "too_small" && Number(limit) === 1) return "expected a non-empty string";
    const kind = issue.code === "too_big" ? "at most" : "at least";
    return `expected a string of ${kind} ${String(limit)} characters`;
  }
  return `expected a value ${comparison} ${String(limit)}, but got ${describeValue(input)} instead`;
}

function missing(param: string | null): RequestProblem {
  return { param, message: `Missing required parameter: '${param ?? "body"}'.` };
}

function invalidTypeFor(param: string | null): string {
  return param === null ? "Invalid request body" : `Invalid type for '${param}'`;
}

/** `["messages", 0, "content"]` → `messages[0].content`, as OpenAI writes `param`. */
export function formatParam(path: Path): string | null {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? null : out;
}

function expectedPhrase(expected: string): string {
  return EXPECTED_PHRASES[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") {
    return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  }
  if (typeof value === "string") return `the string ${quote(value)}`;
  if (typeof value === "boolean") return `the boolean ${value}`;
  if (typeof value === "object") return "an object";
  return typeof value;
}

function quote(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  // A client error must not echo a megabyte of input back.
  const shown = text === undefined ? String(value) : text;
  return `'${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}'`;
}

function listValues(values: readonly unknown[]): string {
  return joinWith(
    values.map((value) => quote(value)),
    "and",
  );
}

function joinWith(items: readonly string[], conjunction: string): string {
  if (items.length <= 1) return items.join("");
  if (items.length === 2) return `${items[0]} ${conjunction} ${items[1]}`;
  return `${items.slice(0, -1).join(", ")}, ${conjunction} ${items.at(-1)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
