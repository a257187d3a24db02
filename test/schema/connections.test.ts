/**
 * The admin API's connections (schema/connections.ts): paging forward through more than one
 * page, the page-size cap refused with BAD_USER_INPUT on every list, and opaque cursors that a
 * client cannot forge from an id.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway.ts";
import { codesOf, createOrg, createTeam } from "./admin-helpers.ts";

let gateway: TestGateway;
let orgId: string;
const teamIds: string[] = [];
beforeAll(async () => {
  gateway = await startTestGateway();
  orgId = await createOrg(gateway, "paging");
  for (const name of ["a", "b", "c", "d", "e"])
    teamIds.push(await createTeam(gateway, orgId, name));
}, 120_000);
afterAll(() => gateway?.close());

const PAGE = `query ($org: ID!, $first: Int, $after: String) {
  org(id: $org) { teams(first: $first, after: $after) {
    edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }
}`;
type Page = {
  org: {
    teams: {
      edges: Array<{ cursor: string; node: { id: string; name: string } }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
};

describe("connections", () => {
  it("pages forward through every row, two at a time, in name order", async () => {
    const names: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const data: Page = await gateway.admin<Page>(PAGE, { org: orgId, first: 2, after });
      names.push(...data.org.teams.edges.map((edge) => edge.node.name));
      after = data.org.teams.pageInfo.hasNextPage ? data.org.teams.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 10);
    expect(names).toEqual(["a", "b", "c", "d", "e"]);
    expect(pages).toBe(3);
  });

  it("refuses more than 100 per page with BAD_USER_INPUT, on every list of an org", async () => {
    const lists = [
      "teams",
      "adminTokens",
      "virtualKeys",
      "agents",
      "providers",
      "modelRoutes",
      "budgets",
      "rateLimits",
      "modelPrices",
      "webhooks",
      "guardrailPolicies",
      "auditCheckpoints",
    ];
    for (const list of lists) {
      const result = await gateway.graphql(
        `query ($org: ID!) { org(id: $org) { ${list}(first: 101) { edges { cursor } } } }`,
        { org: orgId },
      );
      expect({ list, codes: codesOf(result) }).toEqual({ list, codes: ["BAD_USER_INPUT"] });
    }
    const orgs = await gateway.graphql(`{ orgs(last: 101) { edges { cursor } } }`);
    expect(codesOf(orgs)).toEqual(["BAD_USER_INPUT"]);
    const fine = await gateway.graphql(PAGE, { org: orgId, first: 100 });
    expect(fine.errors).toBeUndefined();
  });

  it("gives cursors that are not ids, and refuses an id or garbage as a cursor", async () => {
    const data = await gateway.admin<Page>(PAGE, { org: orgId, first: 5 });
    for (const edge of data.org.teams.edges) {
      expect(edge.cursor).not.toBe(edge.node.id);
      expect(edge.cursor).not.toContain(Buffer.from(edge.node.id, "base64").toString());
    }
    const rawId =
      Buffer.from(teamIds[0] ?? "", "base64")
        .toString()
        .split(":")[1] ?? "";
    for (const forged of [teamIds[0], rawId, Buffer.from(rawId).toString("base64url"), "%%%"]) {
      const result = await gateway.graphql(PAGE, { org: orgId, first: 1, after: forged });
      expect({ forged, codes: codesOf(result) }).toEqual({ forged, codes: ["BAD_USER_INPUT"] });
    }
  });
});
