/**
 * Everything one gateway call knows, built up stage by stage (DESIGN.md, "The request pipeline").
 * Stages read what earlier stages wrote and add their own part; the settle stage reads the whole
 * context, however the call ended, so nothing a stage learned has to travel in a header or a
 * closure. Later stages (limits, guardrails, cache) add their fields here.
 */
import type { Principal } from "../auth/principal.ts";
import type { LimitsReport } from "../limits/limits-report.ts";
import type { Reservation } from "../limits/limits-store.ts";
import type { PriceBook } from "../pricing/price-book.ts";
import type { ProviderErrorKind, Usage } from "../providers/types.ts";
import type { DeploymentHealth } from "../routing/health/health-store.ts";
import type { Deployment, ResolvedModel } from "../routing/model-directory.ts";
import type { Services } from "../services.ts";
import type { GatewayError } from "./errors.ts";
import type { CallCache } from "./steps/cache.ts";
import type { CallGuardrailState } from "./steps/guardrails.ts";
import type { CallerAnnotations } from "./steps/request-context.ts";

/** One try of one deployment, as data: what the attempts header, logs and usage report. */
export interface Attempt {
  deployment: Deployment;
  /** The upstream's HTTP status; null when no answer came (network, timeout, refused). */
  status: number | null;
  /** Null when the deployment answered (a stream counts once it has started). */
  error: ProviderErrorKind | null;
  latencyMs: number;
}

/**
 * A deployment passed over without a network call: its circuit is open, its provider cannot
 * serve a feature the request uses, or its Retry-After ends past the deadline. Not an attempt
 * (the attempts header counts calls made); the usage record's attempt log lists it in place.
 */
export interface SkippedDeployment {
  deployment: Deployment;
  reason: string;
  /** How many attempts were made before it was skipped: its place in the attempt log. */
  afterAttempts: number;
}

/** How the call ended, as far as the client saw it; set once, by the stage that ends it. */
export type CallEnd =
  | { kind: "answered"; status: number }
  | { kind: "failed"; error: GatewayError }
  /** A stream whose client went away before the end; billed for what was generated. */
  | { kind: "cancelled" };

export interface CallContext {
  readonly requestId: string;
  /** The public path, e.g. `/v1/chat/completions`; stored with the usage record. */
  readonly endpoint: string;
  readonly request: Request;
  readonly services: Services;
  readonly startedAt: number;
  /** False for calls that cost nothing and are not accounted (e.g. `GET /v1/models`). */
  readonly metered: boolean;

  /** The model name the client asked for, once the body is parsed. */
  requestedModel: string | null;
  stream: boolean;
  /** Who is calling; null until authenticated (an unauthenticated call is never accounted). */
  principal: Principal | null;
  annotations: CallerAnnotations;
  /** What the limits stage holds for this call (rate counters, slots, budget holds). */
  reservation: Reservation | null;
  /** What the limits said: headroom for the response headers, or which limit refused. */
  limits: LimitsReport | null;
  /** The org's prices, loaded with its limits by the limits stage; null before it. */
  prices: PriceBook | null;
  /** What the model name resolved to (a route's alias and deployments); null before routing. */
  route: ResolvedModel | null;
  /** The response cache: what the request asked for and the entry that answered it, if any. */
  cache: CallCache;
  /** The guardrails of the call and what they decided; null when no policy applies. */
  guardrails: CallGuardrailState | null;
  /**
   * The shared health (circuit breaker, latency, in flight) of a route's deployments, read while
   * the limits are reserved; never rejects. Null for a `<provider>/<model>` call: the client
   * named that one deployment, so it is called as asked, without a breaker.
   */
  health: Promise<ReadonlyMap<Deployment, DeploymentHealth>> | null;
  /** Every deployment tried, in order. */
  attempts: Attempt[];
  /** Every deployment passed over without a call, in order. */
  skipped: SkippedDeployment[];
  /** The deployment whose answer the client got. */
  served: Deployment | null;
  /** What the served deployment reported (or what was counted); a stream's grows until its end. */
  usage: () => Usage | null;
  /** True while a streamed answer is being relayed: the stream's end settles the call. */
  streaming: boolean;
  end: CallEnd | null;
  /** Set by the settle stage, so that a call is accounted exactly once. */
  settled: boolean;
}

export function newCallContext(init: {
  requestId: string;
  endpoint: string;
  request: Request;
  services: Services;
  metered: boolean;
}): CallContext {
  // Fields spelled out (no spread): every context then has one shape, built in one step.
  return {
    requestId: init.requestId,
    endpoint: init.endpoint,
    request: init.request,
    services: init.services,
    metered: init.metered,
    startedAt: init.services.clock(),
    requestedModel: null,
    stream: false,
    principal: null,
    annotations: { traceId: null, metadata: {} },
    reservation: null,
    limits: null,
    prices: null,
    route: null,
    cache: { requested: null, directive: null, source: null, key: null, hit: null },
    guardrails: null,
    health: null,
    attempts: [],
    skipped: [],
    served: null,
    usage: () => null,
    streaming: false,
    end: null,
    settled: false,
  };
}

/** The principal, for stages that run after authentication by construction. */
export function authenticatedPrincipal(call: CallContext): Principal {
  if (call.principal === null) {
    throw new Error(`stage ordering: ${call.endpoint} used the principal before authenticating`);
  }
  return call.principal;
}
