/**
 * loadConfig is the one reader of the environment (DESIGN.md, "Environments"): production refuses
 * to start without its secrets, everything else has the documented default.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, type Env, loadConfig } from "../../functions/config.ts";

const productionSecrets: Env = {
  MASTER_KEY: "sya-Q7mZ2pL9xV4kR8tN1wB6cY3hJ5dF0gS",
  ENCRYPTION_KEY: "9f2c4e71b8a05d36e1c7f04a92b8d53e6a1f07c4d29e8b35",
};

function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("loadConfig accepted the environment");
}

describe("production start-up", () => {
  it.each([
    ["NODE_ENV=production", { NODE_ENV: "production" }],
    ["VERCEL_ENV=production", { VERCEL_ENV: "production" }],
  ])("refuses to start without MASTER_KEY under %s, naming the variable", (_label, env) => {
    const error = configError({ ...env, ENCRYPTION_KEY: productionSecrets.ENCRYPTION_KEY });
    expect(error.message).toBe("MASTER_KEY is required in production");
  });

  it.each([
    ["NODE_ENV=production", { NODE_ENV: "production" }],
    ["VERCEL_ENV=production", { VERCEL_ENV: "production" }],
  ])("refuses to start without ENCRYPTION_KEY under %s, naming the variable", (_label, env) => {
    const error = configError({ ...env, MASTER_KEY: productionSecrets.MASTER_KEY });
    expect(error.message).toBe("ENCRYPTION_KEY is required in production");
  });

  it("treats a blank MASTER_KEY or ENCRYPTION_KEY as missing", () => {
    expect(
      configError({ NODE_ENV: "production", ...productionSecrets, MASTER_KEY: "  " }).message,
    ).toContain("MASTER_KEY");
    expect(
      configError({ NODE_ENV: "production", ...productionSecrets, ENCRYPTION_KEY: "" }).message,
    ).toContain("ENCRYPTION_KEY");
  });

  it("starts with both secrets and passes them through, trimmed", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      MASTER_KEY: ` ${productionSecrets.MASTER_KEY}\n`,
      ENCRYPTION_KEY: productionSecrets.ENCRYPTION_KEY,
    });
    expect(config.production).toBe(true);
    expect(config.masterKey).toBe(productionSecrets.MASTER_KEY);
    expect(config.encryptionKey).toBe(productionSecrets.ENCRYPTION_KEY);
  });

  it("does not echo a secret in its error message", () => {
    const error = configError({ NODE_ENV: "production", MASTER_KEY: productionSecrets.MASTER_KEY });
    expect(error.message).not.toContain(productionSecrets.MASTER_KEY);
  });
});

describe("production secrets", () => {
  const production = { NODE_ENV: "production", ...productionSecrets };

  it.each([
    ["one character", "a", "is too short (1 character; at least 32 are required)"],
    ["31 characters", "sya-Q7mZ2pL9xV4kR8tN1wB6cY3hJ5d", "is too short (31 characters"],
    ["32 identical characters", "x".repeat(32), "is one short pattern repeated"],
    ["a word repeated", "changeme".repeat(4), "is one short pattern repeated"],
    ["an alphabet run", "abcdefghijklmnopqrstuvwxyz012345", "has too little variety"],
    ["two characters, irregularly", "abbaabababbbaabaabbababaabbabaaa", "has too little variety"],
  ])("refuses a MASTER_KEY of %s, saying why", (_label, value, reason) => {
    const error = configError({ ...production, MASTER_KEY: value });
    expect(error.message).toContain(`MASTER_KEY ${reason}`);
    expect(error.message).toContain("openssl rand -hex 32");
  });

  it.each([
    ["32 identical characters", "z".repeat(32), "is one short pattern repeated"],
    ["hex digits in order, twice", "0123456789abcdef".repeat(2), "is one short pattern repeated"],
    ["a short value", "hunter2", "is too short (7 characters"],
  ])("refuses an ENCRYPTION_KEY of %s, saying why", (_label, value, reason) => {
    const error = configError({ ...production, ENCRYPTION_KEY: value });
    expect(error.message).toContain(`ENCRYPTION_KEY ${reason}`);
  });

  it("refuses the same value for MASTER_KEY and ENCRYPTION_KEY", () => {
    const error = configError({ ...production, ENCRYPTION_KEY: productionSecrets.MASTER_KEY });
    expect(error.message).toBe(
      "MASTER_KEY and ENCRYPTION_KEY must differ: generate one, for example with `openssl rand -hex 32`.",
    );
  });

  it("never echoes the refused value", () => {
    const weak = "changeme".repeat(4);
    expect(configError({ ...production, MASTER_KEY: weak }).message).not.toContain("changeme");
  });

  it("accepts random keys, uuids included", () => {
    const masterKey = crypto.randomUUID();
    const config = loadConfig({ ...production, MASTER_KEY: masterKey });
    expect(config.masterKey).toBe(masterKey);
    expect(loadConfig({ ...production, ENCRYPTION_KEY: crypto.randomUUID() }).production).toBe(
      true,
    );
  });

  it("leaves short keys to development, except an ENCRYPTION_KEY the keyring cannot use", () => {
    expect(loadConfig({ MASTER_KEY: "dev" }).masterKey).toBe("dev");
    expect(configError({ ENCRYPTION_KEY: "short" }).message).toBe(
      "ENCRYPTION_KEY must be at least 32 characters",
    );
  });
});

describe("development start-up", () => {
  it("starts with no secrets at all, leaving them to be generated", () => {
    const config = loadConfig({});
    expect(config.production).toBe(false);
    expect(config.masterKey).toBeUndefined();
    expect(config.encryptionKey).toBeUndefined();
  });

  it.each(["development", "test"])("is not production under NODE_ENV=%s", (nodeEnv) => {
    expect(loadConfig({ NODE_ENV: nodeEnv }).production).toBe(false);
  });

  it("is not production on a Vercel preview", () => {
    expect(loadConfig({ VERCEL_ENV: "preview" }).production).toBe(false);
  });
});

describe("defaults", () => {
  it("listens on port 8787", () => {
    expect(loadConfig({}).port).toBe(8787);
  });

  it("treats an empty PORT as unset rather than as port 0", () => {
    expect(loadConfig({ PORT: "" }).port).toBe(8787);
  });

  it("keeps its data under ./.switchyard", () => {
    expect(loadConfig({}).dataDir).toBe("./.switchyard");
  });

  it("accepts request bodies up to 4 MiB", () => {
    expect(loadConfig({}).maxBodyBytes).toBe(4 * 1024 * 1024);
    expect(loadConfig({ SWITCHYARD_MAX_BODY_BYTES: "" }).maxBodyBytes).toBe(4 * 1024 * 1024);
  });

  it("uses the plain sy: Redis namespace outside previews", () => {
    expect(loadConfig({}).redisNamespace).toBe("sy:");
    expect(loadConfig({ VERCEL_ENV: "production", ...productionSecrets }).redisNamespace).toBe(
      "sy:",
    );
  });

  it("uses embedded stores when no database or Redis is configured", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.upstashUrl).toBeUndefined();
    expect(config.upstashToken).toBeUndefined();
  });

  it("answers GraphQL introspection outside production and refuses it in production", () => {
    expect(loadConfig({}).graphqlIntrospection).toBe(true);
    expect(loadConfig({ NODE_ENV: "production", ...productionSecrets }).graphqlIntrospection).toBe(
      false,
    );
  });

  it("allows no browser origin to call /graphql", () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ SWITCHYARD_CORS_ORIGINS: " " }).corsOrigins).toEqual([]);
  });

  it("allows private upstreams outside production and refuses them in production", () => {
    expect(loadConfig({}).allowPrivateUpstreams).toBe(true);
    expect(loadConfig({ NODE_ENV: "production", ...productionSecrets }).allowPrivateUpstreams).toBe(
      false,
    );
  });
});

describe("overrides", () => {
  it("reads PORT, SWITCHYARD_DATA_DIR and SWITCHYARD_MAX_BODY_BYTES", () => {
    const config = loadConfig({
      PORT: "3000",
      SWITCHYARD_DATA_DIR: "/var/lib/switchyard",
      SWITCHYARD_MAX_BODY_BYTES: "65536",
    });
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe("/var/lib/switchyard");
    expect(config.maxBodyBytes).toBe(65536);
  });

  it("lets SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS override the default either way", () => {
    const production = { NODE_ENV: "production", ...productionSecrets };
    expect(
      loadConfig({ ...production, SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS: "true" })
        .allowPrivateUpstreams,
    ).toBe(true);
    expect(loadConfig({ SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS: "false" }).allowPrivateUpstreams).toBe(
      false,
    );
  });

  it("lets SWITCHYARD_GRAPHQL_INTROSPECTION override the default either way", () => {
    const production = { NODE_ENV: "production", ...productionSecrets };
    expect(
      loadConfig({ ...production, SWITCHYARD_GRAPHQL_INTROSPECTION: "true" }).graphqlIntrospection,
    ).toBe(true);
    expect(loadConfig({ SWITCHYARD_GRAPHQL_INTROSPECTION: "false" }).graphqlIntrospection).toBe(
      false,
    );
  });

  it("reads SWITCHYARD_CORS_ORIGINS as a comma-separated list of origins", () => {
    const config = loadConfig({
      SWITCHYARD_CORS_ORIGINS: "https://admin.example.com, http://localhost:5173,",
    });
    expect(config.corsOrigins).toEqual(["https://admin.example.com", "http://localhost:5173"]);
  });

  it("reads the store locations", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://db.example/switchyard",
      REDIS_URL: "redis://cache.example:6379",
      UPSTASH_REDIS_REST_URL: "https://example.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "upstash-token",
      SWITCHYARD_SQL_DRIVER: "neon",
    });
    expect(config.databaseUrl).toBe("postgres://db.example/switchyard");
    expect(config.redisUrl).toBe("redis://cache.example:6379");
    expect(config.upstashUrl).toBe("https://example.upstash.io");
    expect(config.upstashToken).toBe("upstash-token");
    expect(config.sqlDriver).toBe("neon");
  });
});

describe("invalid environments", () => {
  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["PORT", "80.5"],
    ["SWITCHYARD_MAX_BODY_BYTES", "100"],
    ["SWITCHYARD_ALLOW_PRIVATE_UPSTREAMS", "yes"],
    ["SWITCHYARD_SQL_DRIVER", "mysql"],
    ["SWITCHYARD_GRAPHQL_INTROSPECTION", "yes"],
    ["SWITCHYARD_CORS_ORIGINS", "*"],
    ["SWITCHYARD_CORS_ORIGINS", "admin.example.com"],
    ["SWITCHYARD_CORS_ORIGINS", "https://admin.example.com/"],
    ["SWITCHYARD_CORS_ORIGINS", "https://admin.example.com/app"],
    ["SWITCHYARD_CORS_ORIGINS", "https://admin.example.com,ftp://files.example.com"],
  ])("refuses %s=%s and names the variable", (variable, value) => {
    expect(configError({ [variable]: value }).message).toContain(variable);
  });

  it("refuses an Upstash URL without its token, and a token without its URL", () => {
    expect(configError({ UPSTASH_REDIS_REST_URL: "https://example.upstash.io" }).message).toContain(
      "UPSTASH_REDIS_REST_TOKEN",
    );
    expect(configError({ UPSTASH_REDIS_REST_TOKEN: "upstash-token" }).message).toContain(
      "UPSTASH_REDIS_REST_URL",
    );
  });
});

describe("Redis key prefix of a preview deployment", () => {
  it("is scoped by the deployment id", () => {
    const config = loadConfig({
      VERCEL_ENV: "preview",
      VERCEL_DEPLOYMENT_ID: "dpl_123",
      VERCEL_GIT_COMMIT_SHA: "abc123",
    });
    expect(config.redisKeyPrefix).toBe("preview:dpl_123:");
  });

  it("falls back to the commit, then to a fixed name, never to production's", () => {
    expect(
      loadConfig({ VERCEL_ENV: "preview", VERCEL_GIT_COMMIT_SHA: "abc123" }).redisKeyPrefix,
    ).toBe("preview:abc123:");
    expect(loadConfig({ VERCEL_ENV: "preview" }).redisKeyPrefix).toBe("preview:unknown:");
  });

  it("is empty outside previews", () => {
    expect(loadConfig({}).redisKeyPrefix).toBe("");
    expect(loadConfig({ VERCEL_ENV: "production", ...productionSecrets }).redisKeyPrefix).toBe("");
  });
});

describe("global provider credentials", () => {
  const keyOnly = (apiKey: string) => ({ apiKey, baseUrl: null, config: {} });

  it("maps each provider's API key variable to its provider kind", () => {
    const config = loadConfig({
      OPENAI_API_KEY: "sk-openai",
      ANTHROPIC_API_KEY: "sk-ant",
      GEMINI_API_KEY: "gemini-key",
      OPENROUTER_API_KEY: "or-key",
    });
    expect(config.providerCredentials).toEqual({
      openai: keyOnly("sk-openai"),
      anthropic: keyOnly("sk-ant"),
      gemini: keyOnly("gemini-key"),
      openrouter: keyOnly("or-key"),
    });
  });

  it("reads a provider's base URL and config variables beside its key (Azure)", () => {
    const config = loadConfig({
      AZURE_OPENAI_API_KEY: "azure-key",
      AZURE_OPENAI_ENDPOINT: "https://acme.openai.azure.com",
      OPENAI_API_VERSION: "2024-10-21",
    });
    expect(config.providerCredentials).toEqual({
      "azure-openai": {
        apiKey: "azure-key",
        baseUrl: "https://acme.openai.azure.com",
        config: { apiVersion: "2024-10-21" },
      },
    });
  });

  it("trims values and leaves out blank ones, so the provider counts as unavailable", () => {
    const config = loadConfig({ OPENAI_API_KEY: "  sk-openai\n", GROQ_API_KEY: "   " });
    expect(config.providerCredentials).toEqual({ openai: keyOnly("sk-openai") });
  });

  it("has no provider credentials when none are set", () => {
    expect(loadConfig({ SOME_OTHER_API_KEY: "ignored" }).providerCredentials).toEqual({});
  });

  it("makes nothing of a base URL variable without its key", () => {
    expect(
      loadConfig({ AZURE_OPENAI_ENDPOINT: "https://acme.openai.azure.com" }).providerCredentials,
    ).toEqual({});
  });
});
