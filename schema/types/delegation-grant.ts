/**
 * Delegation grants in the admin API (DESIGN.md, "Delegation grants (A2A)"):
 * `createDelegationGrant` → `{grant, token}` (the token shown once, stored as a keyed hash),
 * `revokeDelegationGrant` (cascades to every grant below), `delegationChain(grantId)` root → leaf.
 * The narrowing rules are pure functions in functions/delegation/narrowing.ts; this file loads
 * what they need and writes what they decide, with its audit event in the same transaction.
 */
import { and, eq, gt, isNull, or } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { budgets, delegationGrants, virtualKeys } from "../../db/schema/index.ts";
import { appendAuditEvent } from "../../functions/audit/append-audit-event.ts";
import {
  type GrantRow,
  grantSpentNanoUsd,
  loadGrantChain,
} from "../../functions/delegation/grant-records.ts";
import {
  type AgentFacts,
  decideGrant,
  type GrantorAuthority,
  MAX_CHAIN_DEPTH,
  type ParentGrantFacts,
} from "../../functions/delegation/narrowing.ts";
import { revokeGrantCascade } from "../../functions/delegation/revoke-grants.ts";
import { spendInWindow } from "../../functions/limits/window-from-usage.ts";
import { mintToken, TOKEN_KINDS } from "../../functions/security/token-format.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { builder } from "../builder.ts";
import { byUuid, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { adminError, notFound } from "../errors.ts";
import { Agent, type AgentRow, auditRequestOf, loadAgent } from "./agent.ts";
import { Usd, usdLimitAmount } from "./usd.ts";
import { modelPattern } from "./virtual-key.ts";

const GrantRef = builder.objectRef<GrantRow>("DelegationGrant");

const GRANTS = { table: delegationGrants, id: delegationGrants.id, orgId: delegationGrants.orgId };

export const DelegationGrant = builder.node(GrantRef, {
  description: "A bounded slice of one agent's authority lent to another agent.",
  id: { resolve: (grant) => grant.id },
  authScopes: (grant) => ({ orgReader: grant.orgId }),
  loadMany: (ids, context) => loadManyInOrg<GrantRow>(context, GRANTS, ids),
  fields: (t) => ({
    fromAgent: t.field({
      type: Agent,
      nullable: true,
      resolve: (grant, _args, context) => loadAgent(context, grant.fromAgentId),
    }),
    toAgent: t.field({
      type: Agent,
      nullable: true,
      resolve: (grant, _args, context) => loadAgent(context, grant.toAgentId),
    }),
    parentGrant: t.field({
      type: GrantRef,
      nullable: true,
      resolve: (grant, _args, context) =>
        grant.parentGrantId ? loadGrant(context, grant.parentGrantId) : null,
    }),
    agentChain: t.globalIDList({
      description: "Agent ids (global), root grantor → this grant's grantee.",
      resolve: (grant) => grant.chain.map((id) => ({ type: "Agent", id })),
    }),
    models: t.exposeStringList("models", {
      nullable: true,
      description: "Models the grantee may use under this grant; null = no list (anything).",
    }),
    maxSpendUsd: t.field({ type: Usd, resolve: (grant) => grant.maxSpendNanoUsd }),
    spentUsd: t.field({
      type: Usd,
      description:
        "Recorded spend under this grant and every grant below it (calls in flight aside).",
      resolve: (grant, _args, context) =>
        grantSpentNanoUsd(context.services.sql.db, grant, context.services.clock()),
    }),
    remainingUsd: t.field({
      type: Usd,
      description: "maxSpendUsd minus spentUsd, never below 0.",
      resolve: async (grant, _args, context) =>
        Math.max(
          0,
          grant.maxSpendNanoUsd -
            (await grantSpentNanoUsd(context.services.sql.db, grant, context.services.clock())),
        ),
    }),
    rpm: t.exposeInt("rpm", { nullable: true }),
    depth: t.exposeInt("depth", { description: "1 for a grant from the root agent." }),
    maxDepth: t.exposeInt("maxDepth", { description: "How many re-delegations may follow." }),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

/** The grant, if the viewer may see it (the tenant choke point of access.ts). */
const loadGrant = (context: GraphQLContext, id: string) => loadInOrg<GrantRow>(context, GRANTS, id);

const factsOf = (agent: AgentRow): AgentFacts => ({
  id: agent.id,
  orgId: agent.orgId,
  disabled: agent.disabledAt !== null,
});

/** What the grantor may lend: its live keys, and (for a root grant) what its budgets have left. */
async function grantorAuthority(
  db: Database,
  grantor: AgentRow,
  rootGrant: boolean,
  now: Date,
): Promise<GrantorAuthority> {
  const keys = await db
    .select({ models: virtualKeys.models, expiresAt: virtualKeys.expiresAt })
    .from(virtualKeys)
    .where(
      and(
        eq(virtualKeys.agentId, grantor.id),
        isNull(virtualKeys.revokedAt),
        or(isNull(virtualKeys.expiresAt), gt(virtualKeys.expiresAt, now)),
      ),
    );
  const budgetsRemainingNanoUsd: number[] = [];
  // A re-delegation is carved out of its parent grant, which already counts against the root.
  if (rootGrant) {
    const rules = await db
      .select()
      .from(budgets)
      .where(and(eq(budgets.scope, "AGENT"), eq(budgets.scopeId, grantor.id)));
    for (const rule of rules) {
      const spent = await spendInWindow(db, rule, now.getTime());
      const total = spent.reduce((sum, bucket) => sum + Number(bucket.nanoUsd), 0);
      budgetsRemainingNanoUsd.push(rule.limitNanoUsd - total);
    }
  }
  return { keys, budgetsRemainingNanoUsd };
}

async function parentFacts(db: Database, parent: GrantRow, now: number): Promise<ParentGrantFacts> {
  return {
    id: parent.id,
    orgId: parent.orgId,
    toAgentId: parent.toAgentId,
    chain: parent.chain,
    depth: parent.depth,
    maxDepth: parent.maxDepth,
    models: parent.models,
    remainingNanoUsd: parent.maxSpendNanoUsd - (await grantSpentNanoUsd(db, parent, now)),
    rpm: parent.rpm,
    expiresAt: parent.expiresAt,
    revoked: parent.revokedAt !== null,
  };
}

const CreateDelegationGrantPayload = builder.simpleObject("CreateDelegationGrantPayload", {
  fields: (t) => ({
    grant: t.field({ type: DelegationGrant }),
    token: t.string({
      description:
        "The grant token (x-switchyard-grant). Shown once; only a keyed hash is stored. Useless " +
        "without a key of the grantee agent.",
    }),
  }),
});

const RevokeDelegationGrantPayload = builder.simpleObject("RevokeDelegationGrantPayload", {
  fields: (t) => ({
    grant: t.field({ type: DelegationGrant }),
    revokedCount: t.int({ description: "Grants revoked: this one and every grant below it." }),
  }),
});

builder.mutationFields((t) => ({
  createDelegationGrant: t.field({
    type: CreateDelegationGrantPayload,
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateDelegationGrantInput", {
          fields: (f) => ({
            fromAgentId: f.globalID({ required: true, for: Agent }),
            toAgentId: f.globalID({ required: true, for: Agent }),
            parentGrantId: f.globalID({ for: DelegationGrant }),
            models: f.stringList({ validate: z.array(modelPattern).max(500) }),
            maxSpendUsd: f.field({ type: Usd, required: true }).validate(usdLimitAmount),
            expiresAt: f.field({ type: "DateTime", required: true }),
            maxDepth: f.int({ validate: z.number().int().min(0).max(MAX_CHAIN_DEPTH) }),
            rpm: f.int({ validate: z.number().int().positive() }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const [from, to] = await Promise.all([
        loadAgent(context, input.fromAgentId.id),
        loadAgent(context, input.toAgentId.id),
      ]);
      if (!from) throw notFound("fromAgentId: agent");
      if (!to) throw notFound("toAgentId: agent");
      const { db } = context.services.sql;
      const now = new Date(context.services.clock());
      const parent = input.parentGrantId ? await loadGrant(context, input.parentGrantId.id) : null;
      if (input.parentGrantId && !parent) throw notFound("parentGrantId: grant");
      const decision = decideGrant({
        from: factsOf(from),
        to: factsOf(to),
        parent: parent ? await parentFacts(db, parent, now.getTime()) : null,
        grantor: await grantorAuthority(db, from, parent === null, now),
        request: {
          models: input.models ?? null,
          maxSpendNanoUsd: input.maxSpendUsd,
          expiresAt: input.expiresAt,
          maxDepth: input.maxDepth ?? null,
          rpm: input.rpm ?? null,
        },
        now,
      });
      if (!decision.ok) throw adminError(decision.refusal.code, decision.refusal.message);
      const parentChain = parent ? (await loadGrantChain(db, parent.id)).map((row) => row.id) : [];
      const minted = mintToken(TOKEN_KINDS.delegationGrant);
      const tokenHash = await context.services.keyring.hashSecret(minted.secret);
      const request = auditRequestOf(context);
      // Not auditedWrite: the event carries the grant's delegation chain and grant chain (the
      // columns the audit trail is searched by for A2A), which auditedWrite's event has no place
      // for. The grant and its event still commit together in this one transaction.
      const grant = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(delegationGrants)
          .values({
            orgId: from.orgId,
            fromAgentId: from.id,
            toAgentId: to.id,
            parentGrantId: parent?.id ?? null,
            ...decision.grant,
            tokenHash,
          })
          .returning();
        if (!row) throw new Error("insert returned no row");
        await appendAuditEvent(tx, {
          orgId: row.orgId,
          ...request,
          action: "delegation_grant.created",
          targetType: "delegation_grant",
          targetId: row.id,
          data: {
            ...request.data,
            models: row.models,
            maxSpendNanoUsd: row.maxSpendNanoUsd,
            expiresAt: row.expiresAt.toISOString(),
            maxDepth: row.maxDepth,
            rpm: row.rpm,
            tokenPrefix: minted.prefix,
          },
          delegationChain: row.chain,
          grantChain: [...parentChain, row.id],
          createdAt: now,
        });
        return row;
      });
      return { grant, token: minted.secret };
    },
  }),

  revokeDelegationGrant: t.field({
    type: RevokeDelegationGrantPayload,
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("RevokeDelegationGrantInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: DelegationGrant }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const grant = await loadGrant(context, input.id.id);
      if (!grant) throw notFound("delegation grant");
      const now = new Date(context.services.clock());
      // Not auditedWrite: the cascade appends one event per revoked grant (this one and each
      // below it), each with its own chains; they commit with the revocation in this transaction.
      const revoked = await context.services.sql.db.transaction((tx) =>
        revokeGrantCascade(tx, grant, now, auditRequestOf(context)),
      );
      // Postgres has it; Redis makes it effective on every instance's next call. A failure here
      // fails the mutation, and a retry publishes again (revocation is idempotent).
      await context.services.grants.publishRevocations(revoked);
      return { grant: (await loadGrant(context, grant.id)) ?? grant, revokedCount: revoked.length };
    },
  }),
}));

builder.queryField("delegationChain", (t) =>
  t.field({
    type: [DelegationGrant],
    authScopes: { authenticated: true },
    description: "The grant and its ancestors, root → leaf.",
    args: { grantId: t.arg.globalID({ required: true, for: DelegationGrant }) },
    resolve: async (_root, args, context) => {
      const grant = await loadGrant(context, args.grantId.id);
      if (!grant) throw notFound("delegation grant");
      return loadGrantChain(context.services.sql.db, grant.id);
    },
  }),
);

/** Grants the agent has lent and received, newest first. */
/** One connection type for both lists of an agent's grants. */
const DelegationGrantConnection = builder.connectionObject(
  { type: DelegationGrant, name: "DelegationGrantConnection" },
  { name: "DelegationGrantEdge" },
);

for (const [field, column, description] of [
  ["grantsGiven", delegationGrants.fromAgentId, "Grants this agent gave"],
  ["grantsReceived", delegationGrants.toAgentId, "Grants this agent holds"],
] as const) {
  builder.objectField(Agent, field, (t) =>
    t.connection(
      {
        type: DelegationGrant,
        description: `${description}, a page at a time (at most 100).`,
        resolve: (agent, args, context) =>
          tableConnection(
            context,
            args,
            delegationGrants,
            and(eq(column, agent.id), eq(delegationGrants.orgId, agent.orgId)),
            byUuid<GrantRow>(delegationGrants.id),
          ),
      },
      DelegationGrantConnection,
    ),
  );
}
