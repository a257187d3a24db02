/**
 * Structured JSON lines on stderr. Callers pass fields, never whole requests: secrets (keys, tokens,
 * provider credentials, prompt text) are not logged, and field names that look secret are masked
 * as a second line of defence.
 */
import { TOKEN_KINDS } from "./security/token-format.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /key|secret|token|password|authorization|credential/i;
/**
 * Secrets inside free text (an upstream's error message echoing a key, a URL with a token):
 * our own bearer formats (every kind in token-format.ts), provider keys in the common `sk-…`
 * shape, and whatever follows "Bearer ". Each keeps its prefix, so a line still says what it was.
 */
const OUR_TOKEN_PREFIXES = Object.values(TOKEN_KINDS).map((kind) => `${kind}-`);
const SECRET_TEXT = new RegExp(
  `\\b(${[...OUR_TOKEN_PREFIXES, "sk-(?:ant-|proj-)?"].join("|")})[0-9A-Za-z_-]{12,}|\\b(Bearer\\s+)\\S+`,
  "g",
);

export function createLogger(options: {
  level?: LogLevel;
  write?: (line: string) => void;
}): Logger {
  const threshold = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => console.error(line));
  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (ORDER[level] < threshold) return;
    const line = { time: new Date().toISOString(), level, message: scrubText(message) };
    write(JSON.stringify({ ...line, ...redact(fields) }));
  };
  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
  };
}

function redact(fields: LogFields): LogFields {
  return redactObject(fields, new WeakSet());
}

/** Identifiers, display prefixes and token counts (`inputTokens: 12`) name a secret without being one. */
function isSecretField(name: string, value: unknown): boolean {
  if (!SECRET_FIELD.test(name) || /(?:Ids?|Prefix)$/.test(name)) return false;
  return !(typeof value === "number" && /tokens$/i.test(name));
}

/** Masks secret-looking fields at any depth: a nested `headers.authorization` is as secret. */
function redactValue(value: unknown, ancestors: WeakSet<object>): unknown {
  if (value instanceof Error) return { name: value.name, message: scrubText(value.message) };
  if (typeof value === "string") return scrubText(value);
  if (typeof value !== "object" || value === null) return value;
  if (ancestors.has(value)) return "[circular]";
  if (Array.isArray(value)) {
    ancestors.add(value);
    const out = value.map((item) => redactValue(item, ancestors));
    ancestors.delete(value);
    return out;
  }
  const prototype = Object.getPrototypeOf(value);
  // Dates, URLs and other class instances serialise themselves (toJSON); only plain objects nest.
  if (prototype !== Object.prototype && prototype !== null) return value;
  return redactObject(value as Record<string, unknown>, ancestors);
}

function redactObject(fields: Record<string, unknown>, ancestors: WeakSet<object>): LogFields {
  ancestors.add(fields);
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = isSecretField(name, value) ? "[redacted]" : redactValue(value, ancestors);
  }
  ancestors.delete(fields);
  return out;
}

function scrubText(text: string): string {
  return text.replace(
    SECRET_TEXT,
    (_whole, prefix: string | undefined, bearer: string | undefined) =>
      `${prefix ?? bearer ?? ""}[redacted]`,
  );
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
