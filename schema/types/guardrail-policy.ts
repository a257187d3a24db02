/**
 * Guardrails in the admin API: `setGuardrailPolicy`, `deleteGuardrailPolicy`, the
 * `guardrailPolicies(orgId)` list and (./guardrail-event.ts) `guardrailEvents(filter)`.
 *
 * Every change is audited in the same transaction as the change itself, and announced through the
 * org's limits version token (functions/limits/limits-config.ts), so every instance decides the
 * org's next call under the new policy while warm calls read the policy with no SQL.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Transaction } from "../../db/client.ts";
import {
  GUARDRAIL_ACTIONS,
  GUARDRAIL_DIRECTIONS,
  guardrailPolicies,
} from "../../db/schema/index.ts";
import { appendAuditEvent } from "../../functions/audit/append-audit-event.ts";
import { compileTopicRules, TOPIC_LIMITS } from "../../functions/guardrails/detectors/topic.ts";
import { DETECTOR_IDS } from "../../functions/guardrails/detectors/types.ts";
import { orgScopeOf, requireOrgRole } from "../access.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, notFound } from "../errors.ts";
import "./guardrail-event.ts";
import { LimitScope, resolveScopeForWrite, scopeGlobalId } from "./limit-scope.ts";
import { Org } from "./org.ts";

export type GuardrailPolicyRow = typeof guardrailPolicies.$inferSelect;

export const GuardrailDetector = builder.enumType("GuardrailDetector", {
  description:
    "EMAIL, PHONE, PAYMENT_CARD (Luhn), IBAN (mod-97), US_SSN (issued ranges), IP_ADDRESS, SECRET " +
    "(provider keys, private keys, JWTs, high-entropy tokens), INJECTION (scored signals), TOPIC " +
    "(the policy's deny list).",
  values: DETECTOR_IDS,
});
export const GuardrailAction = builder.enumType("GuardrailAction", { values: GUARDRAIL_ACTIONS });
export const GuardrailDirection = builder.enumType("GuardrailDirection", {
  description: "INPUT: the prompt; OUTPUT: the completion; BOTH.",
  values: GUARDRAIL_DIRECTIONS,
});

const uuid = z.uuid();
const ruleList = z.array(z.string().min(1).max(TOPIC_LIMITS.ruleChars)).max(TOPIC_LIMITS.rules);

export const GuardrailPolicy = builder.node(
  builder.objectRef<GuardrailPolicyRow>("GuardrailPolicy"),
  {
    description: "What happens to content a detector finds, on one org, team, key or agent.",
    id: { resolve: (policy) => policy.id },
    authScopes: (policy) => ({ orgReader: policy.orgId }),
    loadOne: (id, context) => loadPolicy(context, id),
    fields: (t) => ({
      scope: t.field({ type: LimitScope, resolve: (policy) => policy.scope }),
      scopeId: t.id({ resolve: (policy) => scopeGlobalId(policy.scope, policy.scopeId) }),
      direction: t.field({ type: GuardrailDirection, resolve: (policy) => policy.direction }),
      detectors: t.field({
        type: [GuardrailDetector],
        resolve: (policy) => policy.detectors as (typeof DETECTOR_IDS)[number][],
      }),
      action: t.field({ type: GuardrailAction, resolve: (policy) => policy.action }),
      restorePlaceholders: t.exposeBoolean("restorePlaceholders", {
        description:
          "Input REDACT: the original values are put back where the answer repeats a placeholder.",
      }),
      topicWords: t.exposeStringList("topicWords"),
      topicPhrases: t.exposeStringList("topicPhrases"),
      topicPatterns: t.exposeStringList("topicPatterns", {
        description: "RE2 syntax: linear-time matching; backreferences and lookaround are refused.",
      }),
      createdAt: t.expose("createdAt", { type: "DateTime" }),
      updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    }),
  },
);

async function loadPolicy(context: GraphQLContext, id: string): Promise<GuardrailPolicyRow | null> {
  if (!uuid.safeParse(id).success) return null;
  const scope = orgScopeOf(context.viewer);
  const [row] = await context.services.sql.db
    .select()
    .from(guardrailPolicies)
    .where(
      scope.all
        ? eq(guardrailPolicies.id, id)
        : and(eq(guardrailPolicies.id, id), eq(guardrailPolicies.orgId, scope.orgId)),
    );
  return row ?? null;
}

builder.queryField("guardrailPolicies", (t) =>
  t.field({
    type: [GuardrailPolicy],
    description: "Every guardrail policy of the org (on the org, its teams, keys and agents).",
    authScopes: { authenticated: true },
    args: { orgId: t.arg.globalID({ required: true, for: Org }) },
    resolve: (_root, { orgId }, context) => {
      if (!uuid.safeParse(orgId.id).success) throw notFound("org");
      requireOrgRole(context, orgId.id, "VIEWER");
      return context.services.sql.db
        .select()
        .from(guardrailPolicies)
        .where(eq(guardrailPolicies.orgId, orgId.id))
        .orderBy(asc(guardrailPolicies.createdAt));
    },
  }),
);

builder.objectField(Org, "guardrailPolicies", (t) =>
  t.field({
    type: [GuardrailPolicy],
    resolve: (org, _args, context) =>
      context.services.sql.db
        .select()
        .from(guardrailPolicies)
        .where(eq(guardrailPolicies.orgId, org.id))
        .orderBy(asc(guardrailPolicies.createdAt)),
  }),
);

builder.mutationFields((t) => ({
  setGuardrailPolicy: t.field({
    type: builder.simpleObject("SetGuardrailPolicyPayload", {
      fields: (f) => ({ policy: f.field({ type: GuardrailPolicy }) }),
    }),
    description:
      "Creates the policy of a scope and direction, or replaces it. The most specific scope " +
      "naming a detector decides for it (AGENT, then KEY, TEAM, ORG); OFF turns it off there.",
    authScopes: { authenticated: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("SetGuardrailPolicyInput", {
          fields: (f) => ({
            scope: f.field({ type: LimitScope, required: true }),
            scopeId: f.globalID({ required: true }),
            detectors: f.field({ type: [GuardrailDetector], required: true }),
            action: f.field({ type: GuardrailAction, required: true }),
            direction: f.field({ type: GuardrailDirection, required: true }),
            restorePlaceholders: f.boolean(),
            topicWords: f.stringList().validate(ruleList.nullish()),
            topicPhrases: f.stringList().validate(ruleList.nullish()),
            topicPatterns: f.stringList().validate(ruleList.nullish()),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const target = await resolveScopeForWrite(context, input.scope, input.scopeId);
      const detectors = [...new Set(input.detectors)];
      if (detectors.length === 0) throw badInput("input.detectors: name at least one detector");
      const topics = {
        words: input.topicWords ?? [],
        phrases: input.topicPhrases ?? [],
        patterns: input.topicPatterns ?? [],
      };
      const compiled = compileTopicRules(topics);
      if (!compiled.ok) throw badInput(`input.topicPatterns: ${compiled.problem}`);
      const hasTopics = topics.words.length + topics.phrases.length + topics.patterns.length > 0;
      if (detectors.includes("TOPIC") && !hasTopics && input.action !== "OFF") {
        throw badInput("input.detectors: TOPIC needs topicWords, topicPhrases or topicPatterns");
      }
      const values = {
        detectors,
        action: input.action,
        restorePlaceholders: input.restorePlaceholders ?? false,
        topicWords: topics.words,
        topicPhrases: topics.phrases,
        topicPatterns: topics.patterns,
      };
      const policy = await context.services.sql.db.transaction(async (tx) => {
        const [row] = await tx
          .insert(guardrailPolicies)
          .values({
            orgId: target.orgId,
            scope: input.scope,
            scopeId: target.scopeId,
            direction: input.direction,
            ...values,
          })
          .onConflictDoUpdate({
            target: [
              guardrailPolicies.scope,
              guardrailPolicies.scopeId,
              guardrailPolicies.direction,
            ],
            set: { ...values, updatedAt: new Date() },
          })
          .returning();
        if (!row) throw new Error("upsert returned no row");
        await audit(tx, context, row, "guardrail_policy.set");
        return row;
      });
      await context.services.limits.announceChange(target.orgId);
      return { policy };
    },
  }),

  deleteGuardrailPolicy: t.field({
    type: builder.simpleObject("DeleteGuardrailPolicyPayload", {
      fields: (f) => ({ deletedId: f.id({ description: "The global id the policy had." }) }),
    }),
    authScopes: { authenticated: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("DeleteGuardrailPolicyInput", {
          fields: (f) => ({ id: f.globalID({ required: true, for: GuardrailPolicy }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const existing = await loadPolicy(context, input.id.id);
      if (!existing) throw notFound("guardrail policy");
      requireOrgRole(context, existing.orgId, "ADMIN");
      await context.services.sql.db.transaction(async (tx) => {
        await tx.delete(guardrailPolicies).where(eq(guardrailPolicies.id, existing.id));
        await audit(tx, context, existing, "guardrail_policy.deleted");
      });
      await context.services.limits.announceChange(existing.orgId);
      return { deletedId: encodeGlobalID("GuardrailPolicy", existing.id) };
    },
  }),
}));

async function audit(
  tx: Transaction,
  context: GraphQLContext,
  policy: GuardrailPolicyRow,
  action: string,
): Promise<void> {
  const viewer = context.viewer;
  await appendAuditEvent(tx, {
    orgId: policy.orgId,
    actorType: viewer?.kind === "admin" ? "admin_token" : "master",
    actorId: viewer?.kind === "admin" ? viewer.tokenId : null,
    action,
    targetType: "guardrail_policy",
    targetId: policy.id,
    data: {
      scope: policy.scope,
      scopeId: policy.scopeId,
      direction: policy.direction,
      detectors: policy.detectors,
      action: policy.action,
      restorePlaceholders: policy.restorePlaceholders,
      topicRules:
        policy.topicWords.length + policy.topicPhrases.length + policy.topicPatterns.length,
    },
  });
}
