/**
 * Relations for drizzle's relational queries (`db.query.orgs.findMany({ with: { teams: true } })`)
 * and for the Pothos drizzle plugin. Names read from the owning side: an org has `teams`, a team
 * has an `org`.
 */
import { defineRelations } from "drizzle-orm";
import * as schema from "./schema/index.ts";

export const relations = defineRelations(schema, (r) => ({
  orgs: {
    teams: r.many.teams(),
    adminTokens: r.many.adminTokens(),
    virtualKeys: r.many.virtualKeys(),
    agents: r.many.agents(),
    providers: r.many.providers(),
    modelRoutes: r.many.modelRoutes(),
    budgets: r.many.budgets(),
    delegationGrants: r.many.delegationGrants(),
  },
  teams: {
    org: r.one.orgs({ from: r.teams.orgId, to: r.orgs.id, optional: false }),
    virtualKeys: r.many.virtualKeys(),
    agents: r.many.agents(),
  },
  adminTokens: {
    org: r.one.orgs({ from: r.adminTokens.orgId, to: r.orgs.id, optional: false }),
  },
  virtualKeys: {
    org: r.one.orgs({ from: r.virtualKeys.orgId, to: r.orgs.id, optional: false }),
    team: r.one.teams({ from: r.virtualKeys.teamId, to: r.teams.id }),
    agent: r.one.agents({ from: r.virtualKeys.agentId, to: r.agents.id }),
    secrets: r.many.virtualKeySecrets(),
  },
  virtualKeySecrets: {
    key: r.one.virtualKeys({
      from: r.virtualKeySecrets.keyId,
      to: r.virtualKeys.id,
      optional: false,
    }),
  },
  agents: {
    org: r.one.orgs({ from: r.agents.orgId, to: r.orgs.id, optional: false }),
    team: r.one.teams({ from: r.agents.teamId, to: r.teams.id }),
    virtualKeys: r.many.virtualKeys(),
    grantsGiven: r.many.delegationGrants({ alias: "grantor" }),
    grantsReceived: r.many.delegationGrants({ alias: "grantee" }),
  },
  providers: {
    org: r.one.orgs({ from: r.providers.orgId, to: r.orgs.id }),
    deployments: r.many.modelDeployments(),
  },
  modelRoutes: {
    org: r.one.orgs({ from: r.modelRoutes.orgId, to: r.orgs.id }),
    deployments: r.many.modelDeployments(),
  },
  modelDeployments: {
    route: r.one.modelRoutes({
      from: r.modelDeployments.routeId,
      to: r.modelRoutes.id,
      optional: false,
    }),
    provider: r.one.providers({
      from: r.modelDeployments.providerId,
      to: r.providers.id,
      optional: false,
    }),
  },
  budgets: {
    org: r.one.orgs({ from: r.budgets.orgId, to: r.orgs.id, optional: false }),
  },
  delegationGrants: {
    org: r.one.orgs({ from: r.delegationGrants.orgId, to: r.orgs.id, optional: false }),
    fromAgent: r.one.agents({
      from: r.delegationGrants.fromAgentId,
      to: r.agents.id,
      optional: false,
      alias: "grantor",
    }),
    toAgent: r.one.agents({
      from: r.delegationGrants.toAgentId,
      to: r.agents.id,
      optional: false,
      alias: "grantee",
    }),
    parentGrant: r.one.delegationGrants({
      from: r.delegationGrants.parentGrantId,
      to: r.delegationGrants.id,
      alias: "redelegation",
    }),
    childGrants: r.many.delegationGrants({ alias: "redelegation" }),
  },
  // Ledgers have no foreign keys (see their files), so these may find nothing.
  usageRecords: {
    org: r.one.orgs({ from: r.usageRecords.orgId, to: r.orgs.id }),
    team: r.one.teams({ from: r.usageRecords.teamId, to: r.teams.id }),
    key: r.one.virtualKeys({ from: r.usageRecords.keyId, to: r.virtualKeys.id }),
    agent: r.one.agents({ from: r.usageRecords.agentId, to: r.agents.id }),
    grant: r.one.delegationGrants({ from: r.usageRecords.grantId, to: r.delegationGrants.id }),
  },
  auditEvents: {
    org: r.one.orgs({ from: r.auditEvents.orgId, to: r.orgs.id }),
  },
}));

export type Relations = typeof relations;
