/**
 * Stages 5 and 9: content guardrails on the prompt and on the answer (functions/guardrails).
 *
 * - Input: FLAG counts, REDACT swaps matches for typed placeholders before the provider (and the
 *   response cache) sees the prompt, BLOCK refuses with 400 `guardrail_blocked`, naming the
 *   detector and never the matched text.
 * - Output, complete answers: placeholders restored where the policy asks, then the same three
 *   actions (BLOCK answers 400 instead of the completion).
 * - Output, streams: see functions/guardrails/stream-guard.ts (FLAG passes through; REDACT and
 *   BLOCK use a small sliding window).
 *
 * An org with no guardrail policy costs one in-process map lookup: the stages return at once.
 * Decisions go into the call context (the usage record reads them), the response header
 * `x-switchyard-guardrails`, and guardrail_events + the audit trail, written off the response path.
 */
import type { UsageGuardrailDecision } from "../../accounting/usage-record.ts";
import { completionTextSlots, requestTextSlots } from "../../guardrails/chat-texts.ts";
import { type GuardrailDecision, guardrailsHeader } from "../../guardrails/decisions.ts";
import { guardTexts } from "../../guardrails/guard-texts.ts";
import type { CallGuardrails, ScanDirection } from "../../guardrails/policies.ts";
import { recordGuardrailDecisions } from "../../guardrails/record-decisions.ts";
import { Redactor } from "../../guardrails/redaction.ts";
import { guardStream } from "../../guardrails/stream-guard.ts";
import type { ChatCompletionRequest } from "../../protocols/openai/chat.ts";
import type { ChatOutcome } from "../../providers/types.ts";
import { authenticatedPrincipal, type CallContext } from "../call-context.ts";
import { GatewayError } from "../errors.ts";

export const GUARDRAILS_HEADER = "x-switchyard-guardrails";

export interface CallGuardrailState {
  rules: CallGuardrails;
  redactor: Redactor;
  decisions: GuardrailDecision[];
}

/** Stage 5. Rewrites `chat` in place when a REDACT rule matched. */
export async function guardInput(call: CallContext, chat: ChatCompletionRequest): Promise<void> {
  const principal = authenticatedPrincipal(call);
  // The limits stage has just decided under this version; the lookup is in-process.
  const { version } = await call.services.limits.config.forOrg(principal.orgId);
  const rules = await call.services.guardrails.forCall(principal, version);
  if (rules === null) return;
  const state: CallGuardrailState = { rules, redactor: new Redactor(), decisions: [] };
  call.guardrails = state;
  if (rules.INPUT.length === 0) return;
  const { blockedBy } = guardTexts(
    requestTextSlots(chat),
    rules.INPUT,
    "INPUT",
    state.redactor,
    state.decisions,
  );
  recordDecisions(call, state, "INPUT");
  if (blockedBy !== null) throw blocked(state, blockedBy, "request");
}

/** Stage 9: the answer as the client will get it. */
export function guardOutput(call: CallContext, outcome: ChatOutcome): ChatOutcome {
  const state = call.guardrails;
  if (state === null) return outcome;
  const rules = state.rules.OUTPUT;
  const restoring = state.redactor.restoresAny;
  if (rules.length === 0 && !restoring) return outcome;
  // An answer carrying this caller's restored values must not be replayed to anyone else.
  if (restoring) call.cache.key = null;
  if (outcome.kind === "stream") {
    const chunks = guardStream(outcome.chunks, {
      rules,
      redactor: state.redactor,
      decisions: state.decisions,
    });
    return { ...outcome, chunks: recordingAtEnd(call, state, chunks) };
  }
  const slots = completionTextSlots(outcome.response);
  if (restoring) for (const slot of slots) slot.write(state.redactor.restore(slot.text));
  const restored = completionTextSlots(outcome.response);
  const { blockedBy } = guardTexts(restored, rules, "OUTPUT", state.redactor, state.decisions);
  recordDecisions(call, state, "OUTPUT");
  if (blockedBy !== null) throw blocked(state, blockedBy, "response");
  return outcome;
}

/** Sets `x-switchyard-guardrails` on an answer when guardrails ran on the call. */
export function withGuardrailsHeader(call: CallContext, response: Response): Response {
  if (call.guardrails !== null) {
    response.headers.set(GUARDRAILS_HEADER, guardrailsHeader(call.guardrails.decisions));
  }
  return response;
}

/** The decisions as the usage record stores them (no signals or scores: those are in events). */
export function guardrailsOfUsage(call: CallContext): UsageGuardrailDecision[] {
  return (call.guardrails?.decisions ?? []).map(({ direction, detector, action, matches }) => ({
    direction,
    detector,
    action,
    matches,
  }));
}

function blocked(state: CallGuardrailState, detector: string, what: string): GatewayError {
  const name = detector.toLowerCase();
  return new GatewayError(
    "guardrail_blocked",
    `The ${what} was blocked by the '${name}' guardrail of this organization.`,
    { param: null, headers: { [GUARDRAILS_HEADER]: guardrailsHeader(state.decisions) } },
  );
}

function recordDecisions(call: CallContext, state: CallGuardrailState, direction: ScanDirection) {
  const decisions = state.decisions.filter((decision) => decision.direction === direction);
  if (decisions.length === 0) return;
  const who = authenticatedPrincipal(call);
  const at = new Date(call.services.clock());
  call.services.background.run("guardrail decisions", () =>
    recordGuardrailDecisions(call.services.sql.db, {
      who,
      requestId: call.requestId,
      decisions,
      at,
    }),
  );
}

async function* recordingAtEnd<T>(
  call: CallContext,
  state: CallGuardrailState,
  chunks: AsyncIterable<T>,
): AsyncGenerator<T> {
  try {
    yield* chunks;
  } finally {
    recordDecisions(call, state, "OUTPUT");
  }
}
