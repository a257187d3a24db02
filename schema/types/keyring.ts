/**
 * `resealSecrets` (master key only): the second half of rotating ENCRYPTION_KEY (README,
 * "Rotating ENCRYPTION_KEY"). Stored credentials sealed under a previous key are re-encrypted
 * under the current one, in one transaction with its audit event on the global chain.
 */
import { resealStoredSecrets } from "../../functions/security/reseal.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";

const ResealSecretsPayload = builder.simpleObject("ResealSecretsPayload", {
  fields: (t) => ({
    keyId: t.string({ description: "Fingerprint of the key everything is now sealed under." }),
    providerApiKeys: t.int(),
    providerHeaders: t.int(),
    webhookSecrets: t.int(),
  }),
});

builder.mutationField("resealSecrets", (t) =>
  t.field({
    type: ResealSecretsPayload,
    description:
      "Re-encrypts every stored credential (provider API keys and headers, webhook secrets) sealed under a previous ENCRYPTION_KEY. Run after starting with a new ENCRYPTION_KEY and the old one in ENCRYPTION_KEY_PREVIOUS; when it reports zeros, the old key can be removed. Master key only.",
    authScopes: { master: true },
    resolve: (_root, _args, context) => {
      const { keyring } = context.services;
      return auditedWrite(context, {
        orgId: null,
        action: "secrets.resealed",
        targetType: "keyring",
        write: async (tx) => {
          const count = await resealStoredSecrets(tx, keyring);
          const result = { keyId: keyring.keyId, ...count };
          return { result, targetId: keyring.keyId, after: result };
        },
      });
    },
  }),
);
