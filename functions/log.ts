/**
 * Structured JSON lines on stderr, written by pino (levels, JSON, the LOG_LEVEL threshold). Callers
 * pass fields, never whole requests: secrets (keys, tokens, provider credentials, prompt text) are
 * not logged, and as a second line of defence:
 *
 * - pino's `redact` censors the fixed places credentials travel (authorization and API-key
 *   headers, cookies);
 * - fields whose *name* looks secret are masked at any depth, and secret-shaped *text* inside
 *   messages and strings is masked, by the `formatters.log` hook below. pino's redact takes fixed
 *   paths (one-level wildcards), so it cannot express "any field called like a secret, anywhere"
 *   nor a pattern inside text; that part stays here.
 *
 * pino runs unchanged on Node, Bun, Deno and Vercel: it writes to the stream it is given (here a
 * function, stderr by default) and needs no worker thread without transports.
 */
import { pino } from "pino";
import { TOKEN_KINDS } from "./security/token-format.ts";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

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

/** Where credentials sit in request-shaped objects, for pino's path-based redaction. */
const REDACTED_PATHS = [
  "headers.authorization",
  'headers["x-api-key"]',
  "headers.cookie",
  "*.headers.authorization",
  '*.headers["x-api-key"]',
  "*.headers.cookie",
];

export function createLogger(options: {
  level?: LogLevel;
  write?: (line: string) => void;
}): Logger {
  const write = options.write ?? ((line: string) => console.error(line));
  const logger = pino(
    {
      level: options.level ?? "info",
      base: null,
      messageKey: "message",
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redact(fields),
      },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    { write: (chunk: string) => write(chunk.endsWith("\n") ? chunk.slice(0, -1) : chunk) },
  );
  // Below the threshold nothing is built: no scrubbing, no field object (the request line is
  // emitted per call, and benches and quiet deployments run with LOG_LEVEL=silent or warn).
  const emit = (level: Exclude<LogLevel, "silent">) => (message: string, fields?: LogFields) => {
    if (logger.isLevelEnabled(level)) logger[level](fields ?? {}, scrubText(message));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
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
