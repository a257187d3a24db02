/**
 * Where a webhook may point: the SSRF rules of provider base URLs (security/upstream-url.ts),
 * and in production HTTPS only. A signature proves who sent an event but hides nothing; an org's
 * budgets and spend should not cross the internet in clear (Stripe asks the same of live
 * endpoints).
 */
import { checkUpstreamUrl, type ResolveHost } from "../security/upstream-url.ts";

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

export async function checkWebhookUrl(
  raw: string,
  options: { allowPrivate: boolean; production: boolean; resolveHost: ResolveHost },
): Promise<WebhookUrlCheck> {
  const check = await checkUpstreamUrl(raw, options);
  if (!check.ok) {
    // The shared check speaks of provider base URLs; say it of this field.
    return {
      ok: false,
      reason: check.reason.replace(/^baseUrl/, "url").replace(/; use apiKey$/, ""),
    };
  }
  if (options.production && check.url.protocol !== "https:") {
    return { ok: false, reason: "url must be https in production" };
  }
  return { ok: true, url: check.url.toString() };
}
