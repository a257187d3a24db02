/**
 * Writes a call's guardrail decisions: one guardrail_events row per detector and direction, and
 * one audit event `guardrail.decided`, in one transaction, so the queryable record and the
 * tamper-evident one agree. Counts, actions and signal names only: the matched text is never
 * stored. Runs off the response path (the caller hands it to the background runner).
 */
import type { Database } from "../../db/client.ts";
import { guardrailEvents } from "../../db/schema/index.ts";
import { appendAuditEvent } from "../audit/append-audit-event.ts";
import type { GuardrailDecision } from "./decisions.ts";
import type { ScopeIds } from "./policies.ts";

export async function recordGuardrailDecisions(
  db: Database,
  input: { who: ScopeIds; requestId: string; decisions: readonly GuardrailDecision[]; at: Date },
): Promise<void> {
  const { who, requestId, decisions, at } = input;
  if (decisions.length === 0) return;
  await db.transaction(async (tx) => {
    await tx.insert(guardrailEvents).values(
      decisions.map((decision) => ({
        orgId: who.orgId,
        requestId,
        teamId: who.teamId,
        keyId: who.keyId,
        agentId: who.agentId,
        direction: decision.direction,
        detector: decision.detector,
        action: decision.action,
        matches: decision.matches,
        signals: decision.signals,
        score: decision.score,
        createdAt: at,
      })),
    );
    await appendAuditEvent(tx, {
      orgId: who.orgId,
      actorType: who.agentId ? "agent" : "virtual_key",
      actorId: who.agentId ?? who.keyId,
      action: "guardrail.decided",
      targetType: "request",
      targetId: requestId,
      requestId,
      data: {
        decisions: decisions.map(({ direction, detector, action, matches, signals, score }) => ({
          direction,
          detector,
          action,
          matches,
          signals,
          score,
        })),
      },
      createdAt: at,
    });
  });
}
