/**
 * Guardrails in the admin API: `setGuardrailPolicy`, `deleteGuardrailPolicy`, the
 * `guardrailPolicies(orgId)` list and (./guardrail-event.ts) `guardrailEvents(filter)`.
 *
 * Every change goes through auditedWrite (the change and its audit event in one transaction), and
 * is announced after the commit through the org's limits version token (functions/limits/limits-config.ts), so every instance decides the
 * org's next call under the new policy while warm calls read the policy with no SQL.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { eq } from "drizzle-orm";
import { z } from "zod";
import {
  GUARDRAIL_ACTIONS,
  GUARDRAIL_DIRECTIONS,
  guardrailPolicies,
} from "../../db/schema/index.ts";
import { compileTopicRules, TOPIC_LIMITS } from "../../functions/guardrails/detectors/topic.ts";
import { DETECTOR_IDS } from "../../functions/guardrails/detectors/types.ts";
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byUuid, type PageArgs, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, notFound } from "../errors.ts";
import "./guardrail-event.ts";
import {
  LimitScope,
  limitWriteScopes,
  resolveScopeForWrite,
  scopeGlobalId,
} from "./limit-scope.ts";
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

const POLICIES = {
  table: guardrailPolicies,
  id: guardrailPolicies.id,
  orgId: guardrailPolicies.orgId,
};

const uuid = z.uuid();
const ruleList = z.array(z.string().min(1).max(TOPIC_LIMITS.ruleChars)).max(TOPIC_LIMITS.rules);

export const GuardrailPolicy = builder.node(
  builder.objectRef<GuardrailPolicyRow>("GuardrailPolicy"),
  {
    description: "What happens to content a detector finds, on one org, team, key or agent.",
    id: { resolve: (policy) => policy.id },
    authScopes: (policy) => ({ orgReader: policy.orgId }),
    loadMany: (ids, context) => loadManyInOrg<GuardrailPolicyRow>(context, POLICIES, ids),
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

/** The policy, if the viewer may see it (the tenant choke point of access.ts). */
const loadPolicy = (context: GraphQLContext, id: string) =>
  loadInOrg<GuardrailPolicyRow>(context, POLICIES, id);

/** One connection type for both lists of policies (the root query and the org's field). */
const GuardrailPolicyConnection = builder.connectionObject(
  { type: GuardrailPolicy, name: "GuardrailPolicyConnection" },
  { name: "GuardrailPolicyEdge" },
);

const policiesOf = (context: GraphQLContext, orgId: string, args: PageArgs) =>
  tableConnection(
    context,
    args,
    guardrailPolicies,
    eq(guardrailPolicies.orgId, orgId),
    byUuid<GuardrailPolicyRow>(guardrailPolicies.id),
  );

builder.queryField("guardrailPolicies", (t) =>
  t.connection(
    {
      type: GuardrailPolicy,
      description:
        "Every guardrail policy of the org (on the org, its teams, keys and agents), a page at a time (at most 100).",
      authScopes: (_root, { orgId }) => ({ orgReader: orgId.id }),
      args: { orgId: t.arg.globalID({ required: true, for: Org }) },
      resolve: (_root, args, context) => {
        // Only the master key gets here with any org id: a malformed one names no org.
        if (!uuid.safeParse(args.orgId.id).success) throw notFound("org");
        return policiesOf(context, args.orgId.id, args);
      },
    },
    GuardrailPolicyConnection,
  ),
);

builder.objectField(Org, "guardrailPolicies", (t) =>
  t.connection(
    {
      type: GuardrailPolicy,
      description: "The org's guardrail policies, a page at a time (at most 100).",
      resolve: (org, args, context) => policiesOf(context, org.id, args),
    },
    GuardrailPolicyConnection,
  ),
);

builder.mutationFields((t) => ({
  setGuardrailPolicy: t.field({
    type: builder.simpleObject("SetGuardrailPolicyPayload", {
      fields: (f) => ({ policy: f.field({ type: GuardrailPolicy }) }),
    }),
    description:
      "Creates the policy of a scope and direction, or replaces it. The most specific scope " +
      "naming a detector decides for it (AGENT, then KEY, TEAM, ORG); OFF turns it off there.",
    authScopes: (_root, { input }) => limitWriteScopes(input),
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
      const policy = await auditedWrite(context, {
        orgId: target.orgId,
        action: "guardrail_policy.set",
        targetType: "guardrail_policy",
        write: async (tx) => {
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
              set: { ...values, updatedAt: new Date(context.services.clock()) },
            })
            .returning();
          if (!row) throw new Error("upsert returned no row");
          return { result: row, targetId: row.id, after: auditedPolicy(row) };
        },
      });
      await context.services.limits.announceChange(target.orgId);
      return { policy };
    },
  }),

  deleteGuardrailPolicy: t.field({
    type: builder.simpleObject("DeleteGuardrailPolicyPayload", {
      fields: (f) => ({ deletedId: f.id({ description: "The global id the policy had." }) }),
    }),
    authScopes: { writer: true },
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
      await auditedWrite(context, {
        orgId: existing.orgId,
        action: "guardrail_policy.deleted",
        targetType: "guardrail_policy",
        write: async (tx) => {
          await tx.delete(guardrailPolicies).where(eq(guardrailPolicies.id, existing.id));
          return { result: null, targetId: existing.id, before: auditedPolicy(existing) };
        },
      });
      await context.services.limits.announceChange(existing.orgId);
      return { deletedId: encodeGlobalID("GuardrailPolicy", existing.id) };
    },
  }),
}));

/**
 * A policy as the audit trail keeps it: the deny lists are counted, not copied, since a topic
 * list can itself name what an org must not say (the trail is readable by every VIEWER).
 */
function auditedPolicy(row: typeof guardrailPolicies.$inferSelect): Record<string, unknown> {
  const { topicWords, topicPhrases, topicPatterns, ...rest } = row;
  return {
    ...rest,
    topicCounts: {
      words: topicWords.length,
      phrases: topicPhrases.length,
      patterns: topicPatterns.length,
    },
  };
}
