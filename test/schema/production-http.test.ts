/**
 * /graphql over HTTP in production: the schema stays private unless an operator opens it, browsers
 * get CORS only for listed origins and never with credentials, and mutations arrive only as JSON
 * POSTs, so a cross-site form cannot make one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../functions/config.ts";
import { createAdminServer } from "../../schema/yoga.ts";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";

let production: TestGateway;
beforeAll(async () => {
  production = await startTestGateway({ env: { NODE_ENV: "production" } });
});
afterAll(() => production?.close());

const ENDPOINT = "http://switchyard.test/graphql";

/** The admin server over the production services with some configuration changed. */
function serverWith(config: Partial<Config>) {
  const services = { ...production.services, config: { ...production.services.config, ...config } };
  const server = createAdminServer(services);
  return (request: Request) => server.fetch(request, { requestId: "req_test" });
}

const viaApp = (request: Request) => production.app.fetch(request);

function postJson(query: string, headers: Record<string, string> = {}) {
  return new Request(ENDPOINT, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${production.masterKey}`,
      ...headers,
    },
    body: JSON.stringify({ query }),
  });
}

async function orgNames(): Promise<string[]> {
  const data = await production.admin<{ orgs: { edges: Array<{ node: { name: string } }> } }>(
    `{ orgs(first: 100) { edges { node { name } } } }`,
  );
  return data.orgs.edges.map((edge) => edge.node.name);
}

describe("the schema in production", () => {
  it("refuses introspection", async () => {
    const result = await production.graphql(`{ __schema { queryType { name } } }`);
    const codes = new Set(result.errors?.map((error) => error.extensions?.code));
    expect(codes).toEqual(new Set(["GRAPHQL_VALIDATION_FAILED"]));
    expect(result.data).toBeUndefined();
  });

  it("still answers __typename", async () => {
    expect((await production.graphql(`{ __typename }`)).data).toEqual({ __typename: "Query" });
  });

  it("does not suggest field names for a typo", async () => {
    const result = await production.graphql(`{ org { nmae } }`);
    expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(JSON.stringify(result)).not.toMatch(/Did you mean|"name"/);
  });

  it("serves no GraphiQL page", async () => {
    const response = await viaApp(new Request(ENDPOINT, { headers: { accept: "text/html" } }));
    expect(response.headers.get("content-type") ?? "").not.toContain("text/html");
  });

  it("opens introspection and GraphiQL when SWITCHYARD_GRAPHQL_INTROSPECTION=true", async () => {
    const fetchOpen = serverWith({ graphqlIntrospection: true });
    const introspection = await fetchOpen(postJson(`{ __schema { queryType { name } } }`));
    expect(await introspection.json()).toEqual({
      data: { __schema: { queryType: { name: "Query" } } },
    });
    const page = await fetchOpen(new Request(ENDPOINT, { headers: { accept: "text/html" } }));
    expect(page.headers.get("content-type")).toContain("text/html");
  });
});

describe("CORS", () => {
  const preflight = (origin: string) =>
    new Request(ENDPOINT, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });

  it("answers no origin's preflight when none is listed", async () => {
    const response = await viaApp(preflight("https://evil.example"));
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("lets no unlisted origin read an answer", async () => {
    const response = await viaApp(postJson(`{ __typename }`, { origin: "https://evil.example" }));
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("allows a listed origin, without credentials", async () => {
    const fetchListed = serverWith({
      corsOrigins: ["https://admin.example.com", "https://ops.example.com"],
    });
    const response = await fetchListed(preflight("https://ops.example.com"));
    expect(response.headers.get("access-control-allow-origin")).toBe("https://ops.example.com");
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    const other = await fetchListed(preflight("https://evil.example"));
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("mutations", () => {
  const createOrg = (name: string) =>
    `mutation { createOrg(input: { name: "${name}" }) { org { id } } }`;

  it.each([
    [
      "a form-encoded",
      "application/x-www-form-urlencoded",
      new URLSearchParams({ query: createOrg("via-form") }).toString(),
      "via-form",
    ],
    ["an application/graphql", "application/graphql", createOrg("via-graphql"), "via-graphql"],
    ["a text/plain", "text/plain", JSON.stringify({ query: createOrg("via-text") }), "via-text"],
  ])("refuses %s POST with 415 and changes nothing", async (_label, contentType, body, name) => {
    const response = await viaApp(
      new Request(ENDPOINT, {
        method: "POST",
        headers: { "content-type": contentType, authorization: `Bearer ${production.masterKey}` },
        body,
      }),
    );
    expect(response.status).toBe(415);
    expect(await orgNames()).not.toContain(name);
  });

  it("names the rule when it refuses a mutation that is not JSON", async () => {
    const response = await viaApp(
      new Request(ENDPOINT, {
        method: "POST",
        headers: {
          "content-type": "application/graphql",
          authorization: `Bearer ${production.masterKey}`,
        },
        body: createOrg("named"),
      }),
    );
    expect(await response.json()).toEqual({
      errors: [
        {
          message: "Mutations must be sent as a POST with Content-Type: application/json",
          extensions: { code: "BAD_REQUEST" },
        },
      ],
    });
  });

  it("refuses a mutation over GET with 405", async () => {
    const url = `${ENDPOINT}?query=${encodeURIComponent(createOrg("via-get"))}`;
    const response = await viaApp(
      new Request(url, { headers: { authorization: `Bearer ${production.masterKey}` } }),
    );
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(await orgNames()).not.toContain("via-get");
  });

  it("still answers a query over GET", async () => {
    const url = `${ENDPOINT}?query=${encodeURIComponent("{ viewer { kind } }")}`;
    const response = await viaApp(
      new Request(url, { headers: { authorization: `Bearer ${production.masterKey}` } }),
    );
    expect(await response.json()).toEqual({ data: { viewer: { kind: "MASTER" } } });
  });

  it("runs a mutation sent as JSON, charset and all", async () => {
    const response = await viaApp(
      postJson(createOrg("via-json"), { "content-type": "application/json; charset=utf-8" }),
    );
    expect(response.status).toBe(200);
    expect(await orgNames()).toContain("via-json");
  });
});
