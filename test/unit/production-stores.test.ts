/** Production refuses the embedded stores (issue: limits cannot hold across instances). */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../functions/config.ts";
import { refuseEmbeddedStoresInProduction } from "../../functions/services.ts";

const secrets = {
  MASTER_KEY: "sya-production-master-key-3f9a1c7e5b2d8064",
  ENCRYPTION_KEY: "a-production-encryption-key-of-32-characters-or-more-9f2c",
};

describe("stores in production", () => {
  it("refuses to start without DATABASE_URL, naming it", () => {
    const config = loadConfig({ ...secrets, NODE_ENV: "production", REDIS_URL: "redis://r:6379" });
    expect(() => refuseEmbeddedStoresInProduction(config, {})).toThrow(ConfigError);
    expect(() => refuseEmbeddedStoresInProduction(config, {})).toThrow(/DATABASE_URL/);
  });

  it("refuses to start on the embedded Redis, saying why", () => {
    const config = loadConfig({
      ...secrets,
      VERCEL_ENV: "production",
      DATABASE_URL: "postgres://db/app",
    });
    expect(() => refuseEmbeddedStoresInProduction(config, {})).toThrow(/overspend/);
  });

  it("starts with real stores, and anywhere outside production", () => {
    const production = loadConfig({
      ...secrets,
      NODE_ENV: "production",
      DATABASE_URL: "postgres://db/app",
      UPSTASH_REDIS_REST_URL: "https://example.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "token",
    });
    expect(() => refuseEmbeddedStoresInProduction(production, {})).not.toThrow();
    expect(() => refuseEmbeddedStoresInProduction(loadConfig({}), {})).not.toThrow();
  });
});
