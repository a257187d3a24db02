/**
 * One event to one webhook, with retries: a network error, a timeout, a 5xx or a 429 is tried
 * again after an exponentially growing, jittered pause; any other answer is final (a 4xx says the
 * receiver refused this event and will again; a 3xx is not followed, for the same reason a
 * provider's is not: the URL was vetted, the redirect's target was not). Bounded: 4 attempts of
 * at most 5 s each and at most 13 s of pauses, about half a minute in all.
 *
 * I/O and time arrive as arguments (fetch, sleep, clock, randomness), so tests run the whole
 * schedule without waiting.
 */
import { UpstreamRefusedError } from "../security/guarded-fetch.ts";
import type { WebhookEvent } from "./webhook-events.ts";
import {
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  signatureHeaderFor,
} from "./webhook-signature.ts";

export interface RetryPolicy {
  attempts: number;
  /** The pause after the first failure, before jitter; each later one is `factor` times longer. */
  firstDelayMs: number;
  factor: number;
  /** An attempt without an answer by then counts as a network error. */
  attemptTimeoutMs: number;
}

export const WEBHOOK_RETRY_POLICY: RetryPolicy = {
  attempts: 4,
  firstDelayMs: 1_000,
  factor: 3,
  attemptTimeoutMs: 5_000,
};

export interface DeliveryTools {
  /** services.fetch: the SSRF guard, no redirects. */
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  /** Milliseconds since the epoch. */
  clock(): number;
  /** In [0, 1): the jitter. */
  random(): number;
}

export type DeliveryOutcome =
  | { delivered: true; attempts: number; status: number }
  | {
      delivered: false;
      attempts: number;
      /** The last answer's status; null when the last attempt got none. */
      status: number | null;
      /** Why, for logs and the audit trail; never the receiver's body. */
      reason: string;
    };

export async function deliverWebhook(
  target: { url: string; secret: string },
  event: WebhookEvent,
  tools: DeliveryTools,
  policy: RetryPolicy = WEBHOOK_RETRY_POLICY,
): Promise<DeliveryOutcome> {
  const body = JSON.stringify(event);
  let attempt = 0;
  for (;;) {
    attempt += 1;
    const result = await attemptDelivery(target, event, body, tools, policy);
    if (result.kind === "delivered") {
      return { delivered: true, attempts: attempt, status: result.status };
    }
    if (result.kind === "final" || attempt >= policy.attempts) {
      return { delivered: false, attempts: attempt, status: result.status, reason: result.reason };
    }
    await tools.sleep(retryDelayMs(attempt, policy, tools.random));
  }
}

/**
 * "Equal jitter": half the nominal pause fixed, half random, so retries from many instances
 * spread out yet none comes back at once.
 */
export function retryDelayMs(failures: number, policy: RetryPolicy, random: () => number): number {
  const nominal = policy.firstDelayMs * policy.factor ** (failures - 1);
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

type AttemptResult =
  | { kind: "delivered"; status: number }
  | { kind: "retry" | "final"; status: number | null; reason: string };

async function attemptDelivery(
  target: { url: string; secret: string },
  event: WebhookEvent,
  body: string,
  tools: DeliveryTools,
  policy: RetryPolicy,
): Promise<AttemptResult> {
  const timestamp = Math.floor(tools.clock() / 1000);
  let response: Response;
  try {
    response = await tools.fetch(target.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(policy.attemptTimeoutMs),
      headers: {
        "content-type": "application/json",
        "user-agent": "Switchyard-Webhooks/1",
        [SIGNATURE_HEADER]: await signatureHeaderFor(target.secret, body, timestamp),
        [EVENT_ID_HEADER]: event.id,
        [EVENT_TYPE_HEADER]: event.type,
      },
      body,
    });
  } catch (error) {
    // The guard refusing the address is a verdict, not a hiccup: asking again changes nothing.
    if (error instanceof UpstreamRefusedError) {
      return { kind: "final", status: null, reason: error.message };
    }
    return { kind: "retry", status: null, reason: `no answer: ${describe(error)}` };
  }
  // The receiver's body is not read: nothing in it changes the outcome.
  await response.body?.cancel().catch(() => {});
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: "delivered", status };
  const retryable = status >= 500 || status === 429;
  return { kind: retryable ? "retry" : "final", status, reason: `answered HTTP ${status}` };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.name === "TimeoutError" ? "timed out" : error.message.slice(0, 200);
  }
  return "unknown error";
}
