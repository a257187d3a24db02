/**
 * Log lines are JSON on stderr, and a secret passed by mistake is masked by its field name at any
 * depth: nothing a client or provider authenticates with may reach the logs.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, type LogLevel, silentLogger } from "../../functions/log.ts";

const VIRTUAL_KEY = "sy-4kT9aQ2mZbC8dE1fG5hJ7kL0nP3qR6sT9uVwX";
const PROVIDER_KEY = "sk-proj-provider-credential-0001";

function capture(level?: LogLevel) {
  const lines: string[] = [];
  const log = createLogger({ level, write: (line) => lines.push(line) });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, parsed };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("log lines", () => {
  it("are one JSON object per call with time, level, message and the fields", () => {
    const { log, lines, parsed } = capture();
    log.warn("upstream slow", { requestId: "req_1", latencyMs: 812 });
    expect(lines).toHaveLength(1);
    const [line] = parsed();
    expect(line).toEqual({
      time: expect.any(String),
      level: "warn",
      message: "upstream slow",
      requestId: "req_1",
      latencyMs: 812,
    });
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
  });

  it("leave out levels below the threshold, info by default", () => {
    const { log, parsed } = capture();
    log.debug("noise");
    log.info("started");
    log.error("failed");
    expect(parsed().map((line) => line.level)).toEqual(["info", "error"]);

    const quiet = capture("error");
    quiet.log.warn("ignored");
    quiet.log.error("kept");
    expect(quiet.parsed().map((line) => line.message)).toEqual(["kept"]);

    const verbose = capture("debug");
    verbose.log.debug("shown");
    expect(verbose.lines).toHaveLength(1);
  });

  it("go to stderr when no writer is given", () => {
    const stderr = vi.spyOn(console, "error").mockImplementation(() => {});
    const stdout = vi.spyOn(console, "log").mockImplementation(() => {});
    createLogger({}).info("hello", { apiKey: PROVIDER_KEY });
    expect(stderr).toHaveBeenCalledTimes(1);
    expect(String(stderr.mock.calls[0]?.[0])).toContain('"message":"hello"');
    expect(String(stderr.mock.calls[0]?.[0])).not.toContain(PROVIDER_KEY);
    expect(stdout).not.toHaveBeenCalled();
  });

  it("show an error's name and message", () => {
    const { log, parsed } = capture();
    log.error("failed", { error: new TypeError("fetch failed") });
    expect(parsed()[0]?.error).toEqual({ name: "TypeError", message: "fetch failed" });
  });

  it("are written even when a field refers to itself", () => {
    const { log, parsed } = capture();
    const context: Record<string, unknown> = { requestId: "req_1" };
    context.self = context;
    expect(() => log.info("loop", { context })).not.toThrow();
    expect(parsed()[0]?.context).toEqual({ requestId: "req_1", self: "[circular]" });
  });

  it("write nothing from the silent logger", () => {
    const stderr = vi.spyOn(console, "error").mockImplementation(() => {});
    const stdout = vi.spyOn(console, "log").mockImplementation(() => {});
    silentLogger.error("nothing", { apiKey: PROVIDER_KEY });
    expect(stderr).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
  });
});

describe("secret fields", () => {
  it.each([
    "authorization",
    "Authorization",
    "x-api-key",
    "apiKey",
    "api_key",
    "masterKey",
    "encryptionKey",
    "secret",
    "clientSecret",
    "token",
    "grantToken",
    "password",
    "credentials",
  ])("%s is redacted", (field) => {
    const { log, lines, parsed } = capture();
    log.info("call", { [field]: VIRTUAL_KEY });
    expect(parsed()[0]?.[field]).toBe("[redacted]");
    expect(lines.join("\n")).not.toContain(VIRTUAL_KEY);
  });

  it("are redacted inside nested objects, such as request headers", () => {
    const { log, lines, parsed } = capture();
    log.error("upstream failed", {
      request: {
        url: "https://api.openai.com/v1/chat/completions",
        headers: { authorization: `Bearer ${PROVIDER_KEY}`, "content-type": "application/json" },
      },
    });
    expect(lines.join("\n")).not.toContain(PROVIDER_KEY);
    expect(parsed()[0]?.request).toEqual({
      url: "https://api.openai.com/v1/chat/completions",
      headers: { authorization: "[redacted]", "content-type": "application/json" },
    });
  });

  it("are redacted inside arrays", () => {
    const { log, lines, parsed } = capture();
    log.warn("deployments", {
      attempts: [
        { provider: "openai", apiKey: PROVIDER_KEY },
        { provider: "anthropic", "x-api-key": VIRTUAL_KEY },
      ],
    });
    expect(lines.join("\n")).not.toContain(PROVIDER_KEY);
    expect(lines.join("\n")).not.toContain(VIRTUAL_KEY);
    expect(parsed()[0]?.attempts).toEqual([
      { provider: "openai", apiKey: "[redacted]" },
      { provider: "anthropic", "x-api-key": "[redacted]" },
    ]);
  });

  it("mask a whole object held under a secret name", () => {
    const { log, lines } = capture();
    log.info("provider", { credentials: { accessKeyId: "AKIA0001", secretAccessKey: "wJalr" } });
    expect(lines[0]).not.toContain("AKIA0001");
    expect(lines[0]).not.toContain("wJalr");
  });
});

describe("fields that only look secret", () => {
  it("keep ids and display prefixes, which identify a key without being one", () => {
    const { log, parsed } = capture();
    log.info("auth", { keyId: "key_1", keyIds: ["key_1"], keyPrefix: "sy-4kT9aQ2m" });
    expect(parsed()[0]).toMatchObject({
      keyId: "key_1",
      keyIds: ["key_1"],
      keyPrefix: "sy-4kT9aQ2m",
    });
  });

  it("keep token counts, at any depth, so a usage record in the log stays useful", () => {
    const { log, parsed } = capture();
    const createdAt = new Date("2025-01-02T03:04:05.000Z");
    log.error("usage records could not be stored", {
      records: [{ requestId: "req_1", inputTokens: 3, outputTokens: 5, createdAt }],
    });
    expect(parsed()[0]?.records).toEqual([
      {
        requestId: "req_1",
        inputTokens: 3,
        outputTokens: 5,
        createdAt: "2025-01-02T03:04:05.000Z",
      },
    ]);
  });

  it("still mask a list of tokens, which is not a count", () => {
    const { log, lines } = capture();
    log.info("grants", { grantTokens: [VIRTUAL_KEY] });
    expect(lines[0]).not.toContain(VIRTUAL_KEY);
  });
});

describe("secrets inside text", () => {
  it("are masked in messages, string fields and error messages, keeping what they were", () => {
    const { log, lines, parsed } = capture();
    log.warn(`upstream refused ${PROVIDER_KEY}`, {
      detail: `key ${VIRTUAL_KEY} was revoked`,
      header: "Bearer abc.def.ghi",
      error: new Error(`invalid api key ${PROVIDER_KEY}`),
    });
    expect(lines[0]).not.toContain(VIRTUAL_KEY);
    expect(lines[0]).not.toContain(PROVIDER_KEY);
    expect(lines[0]).not.toContain("abc.def.ghi");
    const [line] = parsed();
    expect(line?.message).toBe("upstream refused sk-proj-[redacted]");
    expect(line?.detail).toBe("key sy-[redacted] was revoked");
    expect(line?.header).toBe("Bearer [redacted]");
    expect(line?.error).toEqual({ name: "Error", message: "invalid api key sk-proj-[redacted]" });
  });

  it("leave ordinary text alone", () => {
    const { parsed, log } = capture();
    log.info("routing sy-fallback to openai/gpt-4o-mini", { note: "skipped: no key" });
    expect(parsed()[0]).toMatchObject({
      message: "routing sy-fallback to openai/gpt-4o-mini",
      note: "skipped: no key",
    });
  });
});
