/**
 * After ENCRYPTION_KEY is rotated (the old key in ENCRYPTION_KEY_PREVIOUS), re-encrypts every
 * stored secret still sealed under another key, so the old key can then be dropped from the ring.
 * The columns: a provider's API key and its sealed headers, a webhook's signing secret.
 *
 * Each row is updated only if its ciphertext is still the one read (compare-and-set), so an admin
 * changing a credential meanwhile is never overwritten with the old value. Idempotent: a second
 * run finds nothing to do.
 */
import { and, eq, isNotNull, or } from "drizzle-orm";
import type { Database, Transaction } from "../../db/client.ts";
import { providers, webhooks } from "../../db/schema/index.ts";
import type { Keyring } from "./keyring.ts";

export interface ResealCount {
  /** Ciphertexts re-encrypted under the current key. */
  providerApiKeys: number;
  providerHeaders: number;
  webhookSecrets: number;
}

export async function resealStoredSecrets(
  db: Database | Transaction,
  keyring: Keyring,
): Promise<ResealCount> {
  const count: ResealCount = { providerApiKeys: 0, providerHeaders: 0, webhookSecrets: 0 };
  const reseal = async (ciphertext: string | null) =>
    ciphertext && keyring.needsReseal(ciphertext)
      ? keyring.encrypt(await keyring.decrypt(ciphertext))
      : null;

  const providerRows = await db
    .select({
      id: providers.id,
      apiKey: providers.apiKeyCiphertext,
      headers: providers.headersCiphertext,
    })
    .from(providers)
    .where(or(isNotNull(providers.apiKeyCiphertext), isNotNull(providers.headersCiphertext)));
  for (const row of providerRows) {
    const apiKey = await reseal(row.apiKey);
    if (apiKey && row.apiKey) {
      const updated = await db
        .update(providers)
        .set({ apiKeyCiphertext: apiKey })
        .where(and(eq(providers.id, row.id), eq(providers.apiKeyCiphertext, row.apiKey)))
        .returning({ id: providers.id });
      count.providerApiKeys += updated.length;
    }
    const headers = await reseal(row.headers);
    if (headers && row.headers) {
      const updated = await db
        .update(providers)
        .set({ headersCiphertext: headers })
        .where(and(eq(providers.id, row.id), eq(providers.headersCiphertext, row.headers)))
        .returning({ id: providers.id });
      count.providerHeaders += updated.length;
    }
  }

  const hookRows = await db
    .select({ id: webhooks.id, secret: webhooks.secretCiphertext })
    .from(webhooks);
  for (const row of hookRows) {
    const secret = await reseal(row.secret);
    if (!secret) continue;
    const updated = await db
      .update(webhooks)
      .set({ secretCiphertext: secret })
      .where(and(eq(webhooks.id, row.id), eq(webhooks.secretCiphertext, row.secret)))
      .returning({ id: webhooks.id });
    count.webhookSecrets += updated.length;
  }
  return count;
}
