/**
 * Structured JSON lines on stderr. Callers pass fields, never whole requests: secrets (keys, tokens,
 * provider credentials, prompt text) are not logged, and field names that look secret are masked
 * as a second line of defence.
 */
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

export function createLogger(options: {
  level?: LogLevel;
  write?: (line: string) => void;
}): Logger {
  const threshold = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => console.error(line));
  const emit = (level: LogLevel, message: string, fields: LogFields = {}) => {
    if (ORDER[level] < threshold) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, message, ...redact(fields) }));
  };
  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
  };
}

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(name) && !name.endsWith("Id") && !name.endsWith("Prefix")) {
      out[name] = "[redacted]";
    } else if (value instanceof Error) {
      out[name] = { name: value.name, message: value.message };
    } else {
      out[name] = value;
    }
  }
  return out;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
