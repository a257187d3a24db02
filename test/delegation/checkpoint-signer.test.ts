/** Where the audit checkpoint key comes from: the environment in production, a dev file otherwise. */
import { generateKeyPairSync } from "node:crypto";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveCheckpointSigner } from "../../functions/audit/checkpoint-signer.ts";
import { tempFolders } from "../support/temp-folders.ts";

const dataDir = tempFolders("signer-");

describe("the audit signing key", () => {
  it("is SWITCHYARD_AUDIT_SIGNING_KEY when set, as PEM or base64 DER", async () => {
    const key = generateKeyPairSync("ed25519").privateKey;
    const pem = key.export({ type: "pkcs8", format: "pem" }).toString();
    const der = key.export({ type: "pkcs8", format: "der" }).toString("base64");
    const fromPem = await resolveCheckpointSigner({
      signingKey: pem,
      production: true,
      dataDir: await dataDir(),
    });
    const fromDer = await resolveCheckpointSigner({
      signingKey: der,
      production: true,
      dataDir: await dataDir(),
    });
    expect(fromPem.ok && fromDer.ok && fromPem.signer.publicKey === fromDer.signer.publicKey).toBe(
      true,
    );
  });

  it("is refused when it is not Ed25519", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    await expect(
      resolveCheckpointSigner({ signingKey: rsa, production: true, dataDir: await dataDir() }),
    ).rejects.toThrow("Ed25519");
  });

  it("is missing in production without the variable: nothing is signed", async () => {
    const resolution = await resolveCheckpointSigner({
      signingKey: undefined,
      production: true,
      dataDir: await dataDir(),
    });
    expect(resolution).toEqual({
      ok: false,
      reason: expect.stringContaining("SWITCHYARD_AUDIT_SIGNING_KEY"),
    });
  });

  it("is generated once in development, kept with mode 0600 and reused", async () => {
    const folder = await dataDir();
    const first = await resolveCheckpointSigner({
      signingKey: undefined,
      production: false,
      dataDir: folder,
    });
    const again = await resolveCheckpointSigner({
      signingKey: undefined,
      production: false,
      dataDir: folder,
    });
    expect(first.ok && again.ok && first.signer.publicKey === again.signer.publicKey).toBe(true);
    expect((await stat(join(folder, "audit-signing-key.pem"))).mode & 0o777).toBe(0o600);
  });
});
