/**
 * The SSRF guard again at call time. createProvider checks a base URL once, but a hostname's DNS
 * answer can change afterwards (or be made to): where private upstreams are refused, every
 * provider call re-checks where its host resolves now, with the verdict cached briefly so a warm
 * host costs no lookup. A refused call fails like a connection that could not be made (502, and
 * the next deployment is tried). Redirects are never followed: they would lead past this check.
 *
 * What remains is the window between this lookup and the one fetch makes itself. On Node the
 * transport closes it (node-connect-guard.ts checks the address it connects to); Bun and Deno
 * have no such hook (upstream-fetch.ts).
 */
import { checkUpstreamUrl, type ResolveHost } from "./upstream-url.ts";

const VERDICT_TTL_MS = 30_000;
const MAX_HOSTS = 1_000;

export class UpstreamRefusedError extends Error {
  override name = "UpstreamRefusedError";
}

export function guardUpstreamFetch(
  fetchImpl: typeof fetch,
  options: { allowPrivate: boolean; resolveHost: ResolveHost; now?: () => number },
): typeof fetch {
  if (options.allowPrivate) return fetchImpl;
  const now = options.now ?? Date.now;
  const verdicts = new Map<string, { refusal: string | null; until: number }>();

  async function refusalFor(url: string): Promise<string | null> {
    const origin = new URL(url).origin;
    const cached = verdicts.get(origin);
    if (cached && cached.until > now()) return cached.refusal;
    const check = await checkUpstreamUrl(url, {
      allowPrivate: false,
      resolveHost: options.resolveHost,
    });
    if (verdicts.size >= MAX_HOSTS) verdicts.clear();
    const refusal = check.ok ? null : check.reason;
    verdicts.set(origin, { refusal, until: now() + VERDICT_TTL_MS });
    return refusal;
  }

  const guarded = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const refusal = await refusalFor(url);
    if (refusal) throw new UpstreamRefusedError(`refused: ${refusal}`);
    return fetchImpl(input, { ...init, redirect: "manual" });
  };
  return guarded as typeof fetch;
}
