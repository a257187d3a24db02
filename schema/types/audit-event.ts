/**
 * The audit trail in the admin API: `auditEvents(filter)` (a connection, oldest first in chain
 * order) and `verifyAuditChain(orgId)`, which recomputes every hash of the org's chain
 * (functions/audit) and names the first row that does not hold.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, arrayContains, asc, eq, gte, lt, type SQL } from "drizzle-orm";
import { auditEvents } from "../../db/schema/index.ts";
import type { AuditEventRow } from "../../functions/audit/append-audit-event.ts";
import { verifyAuditChain } from "../../functions/audit/verify-audit-chain.ts";
import { loadManyInOrg } from "../access.ts";
import { builder } from "../builder.ts";
import { byInteger, keysetConnection } from "../connections.ts";
import { badInput } from "../errors.ts";
import { Org } from "./org.ts";

const AUDIT_EVENTS = { table: auditEvents, id: auditEvents.id, orgId: auditEvents.orgId };

export const AuditEvent = builder.node(builder.objectRef<AuditEventRow>("AuditEvent"), {
  description:
    "One change or event in an org's hash-chained audit trail. Secrets never appear in `data`.",
  id: { resolve: (event) => event.id },
  authScopes: (event) => (event.orgId ? { orgReader: event.orgId } : { master: true }),
  loadMany: (ids, context) => loadManyInOrg<AuditEventRow>(context, AUDIT_EVENTS, ids),
  fields: (t) => ({
    seq: t.exposeInt("seq", { description: "Position in the org's chain, from 1." }),
    actorType: t.exposeString("actorType", {
      description: '"master", "admin_token", "virtual_key", "agent" or "system".',
    }),
    actorId: t.exposeString("actorId", {
      nullable: true,
      description: "The raw id of the admin token, key or agent that acted.",
    }),
    action: t.exposeString("action", { description: '`<noun>.<verb>`, e.g. "team.created".' }),
    targetType: t.exposeString("targetType", { nullable: true }),
    targetId: t.exposeString("targetId", { nullable: true, description: "The raw row id." }),
    data: t.expose("data", {
      type: "JSONObject",
      description: "role, ip, and the target before and after the change (secrets left out).",
    }),
    delegationChain: t.exposeStringList("delegationChain", {
      nullable: true,
      description: "Raw agent ids root → leaf when the event happened under a delegation grant.",
    }),
    grantChain: t.exposeStringList("grantChain", {
      nullable: true,
      description: "Raw grant ids root → leaf when the event happened under a delegation grant.",
    }),
    requestId: t.exposeString("requestId", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    prevHash: t.exposeString("prevHash"),
    hash: t.exposeString("hash"),
  }),
});

const AuditEventFilter = builder.inputType("AuditEventFilter", {
  fields: (f) => ({
    orgId: f.globalID({ required: true, for: Org }),
    actorType: f.string(),
    actorId: f.string({
      description: "Raw id of the token, key or agent (see AuditEvent.actorId).",
    }),
    action: f.string(),
    targetType: f.string(),
    targetId: f.string({ description: "Raw id of the target row (see AuditEvent.targetId)." }),
    grantId: f.globalID({
      description: "Events under this delegation grant: itself and every grant below it.",
    }),
    from: f.field({ type: "DateTime", description: "Events at or after this instant." }),
    to: f.field({ type: "DateTime", description: "Events before this instant." }),
  }),
});

const AuditChainVerdict = builder.simpleObject("AuditChainVerdict", {
  fields: (t) => ({
    valid: t.boolean(),
    checked: t.int({ description: "Rows examined, the invalid one included." }),
    firstInvalidId: t.id({
      nullable: true,
      description: "Global id of the first row that breaks the chain; null when whole.",
    }),
  }),
});

builder.queryFields((t) => ({
  auditEvents: t.connection(
    {
      type: AuditEvent,
      description: "The org's audit events in chain order, filtered; at most 100 per page.",
      authScopes: (_root, args) => ({ orgReader: args.filter.orgId.id }),
      args: { filter: t.arg({ type: AuditEventFilter, required: true }) },
      resolve: (_root, args, context) => {
        const { filter } = args;
        if (filter.from && filter.to && filter.to <= filter.from) {
          throw badInput("filter.to: must be after filter.from");
        }
        const conditions: Array<SQL | undefined> = [eq(auditEvents.orgId, filter.orgId.id)];
        if (filter.actorType) conditions.push(eq(auditEvents.actorType, filter.actorType));
        if (filter.actorId) conditions.push(eq(auditEvents.actorId, filter.actorId));
        if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
        if (filter.targetType) conditions.push(eq(auditEvents.targetType, filter.targetType));
        if (filter.targetId) conditions.push(eq(auditEvents.targetId, filter.targetId));
        if (filter.grantId) {
          if (filter.grantId.typename !== "DelegationGrant") {
            throw badInput("filter.grantId: not a DelegationGrant id");
          }
          conditions.push(arrayContains(auditEvents.grantChain, [filter.grantId.id]));
        }
        if (filter.from) conditions.push(gte(auditEvents.createdAt, filter.from));
        if (filter.to) conditions.push(lt(auditEvents.createdAt, filter.to));
        return keysetConnection(
          args,
          byInteger(auditEvents.seq, (row: AuditEventRow) => row.seq),
          (page) =>
            context.services.sql.db
              .select()
              .from(auditEvents)
              .where(and(...conditions, page.where))
              .orderBy(...page.orderBy)
              .limit(page.limit),
        );
      },
    },
    { name: "AuditEventConnection" },
    { name: "AuditEventEdge" },
  ),

  verifyAuditChain: t.field({
    type: AuditChainVerdict,
    description:
      "Recomputes every hash of the org's chain: an edited, deleted or reordered row makes it invalid.",
    authScopes: (_root, args) => ({ orgReader: args.orgId.id }),
    args: { orgId: t.arg.globalID({ required: true, for: Org }) },
    resolve: async (_root, args, context) => {
      const rows = await context.services.sql.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.orgId, args.orgId.id))
        .orderBy(asc(auditEvents.seq));
      const verdict = await verifyAuditChain(rows);
      return {
        valid: verdict.valid,
        checked: verdict.checked,
        firstInvalidId: verdict.firstInvalidId
          ? encodeGlobalID("AuditEvent", verdict.firstInvalidId)
          : null,
      };
    },
  }),
}));
