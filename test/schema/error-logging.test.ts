/**
 * What the admin API writes to the log about failed requests: a client's own mistakes (a broken
 * document, a missing token) are debug lines that quote nothing from the document, so nobody can
 * flood the error log and a secret pasted into a query is not stored in clear; our own failures
 * stay at error level.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../functions/log.ts";
import type { Services } from "../../functions/services.ts";
import { createAdminServer } from "../../schema/yoga.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway?.close());

/** Not shaped like any token the logger masks by itself, so only the GraphQL layer can keep it out. */
const SECRET_LITERAL = "hunter2-correct-horse-battery-staple";

interface LogLine {
  level: string;
  message: string;
}

/** The admin server over the test gateway's services, writing real log lines at debug level. */
function adminServerWithLog(overrides: Partial<Services> = {}) {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", write: (line) => lines.push(line) });
  const server = createAdminServer({ ...gateway.services, ...overrides, log });
  const post = async (query: string, token?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await server.fetch(
      new Request("http://switchyard.test/graphql", {
        method: "POST",
        headers,
        body: JSON.stringify({ query }),
      }),
      { requestId: "req_test" },
    );
    return (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  };
  const parsed = () => lines.map((line) => JSON.parse(line) as LogLine);
  return { post, lines, parsed };
}

describe("client errors", () => {
  it("logs a malformed query below error level and quotes none of its literals", async () => {
    const { post, lines, parsed } = adminServerWithLog();
    const result = await post(
      `{ orgs { edges { node { id } } } "${SECRET_LITERAL}" }`,
      gateway.masterKey,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(parsed().filter((line) => line.level === "error")).toEqual([]);
    expect(lines.join("\n")).not.toContain(SECRET_LITERAL);
  });

  it("logs a literal the schema refuses below error level, without the literal", async () => {
    const { post, lines, parsed } = adminServerWithLog();
    const result = await post(`{ org(id: "${SECRET_LITERAL}") { id } }`, gateway.masterKey);
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(parsed().filter((line) => line.level === "error")).toEqual([]);
    expect(lines.join("\n")).not.toContain(SECRET_LITERAL);
  });

  it("logs a request without a token below error level", async () => {
    const { post, parsed } = adminServerWithLog();
    const result = await post(`{ orgs { edges { node { id } } } }`);
    expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(parsed().filter((line) => line.level === "error")).toEqual([]);
    expect(parsed()).toContainEqual(
      expect.objectContaining({ level: "debug", code: "UNAUTHENTICATED" }),
    );
  });
});

describe("our own failures", () => {
  it("still logs a failing database at error level, and answers only INTERNAL_SERVER_ERROR", async () => {
    const brokenDb = new Proxy(
      {},
      {
        get() {
          throw new Error("database exploded");
        },
      },
    );
    const { post, parsed } = adminServerWithLog({
      sql: { ...gateway.services.sql, db: brokenDb as Services["sql"]["db"] },
    });
    const result = await post(`{ orgs { edges { node { id } } } }`, gateway.masterKey);
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual([
      "INTERNAL_SERVER_ERROR",
    ]);
    expect(JSON.stringify(result)).not.toContain("exploded");
    expect(parsed()).toContainEqual(
      expect.objectContaining({
        level: "error",
        message: "graphql resolver failed",
        error: expect.objectContaining({ message: "database exploded" }),
      }),
    );
  });
});
