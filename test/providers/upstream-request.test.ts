import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendUpstream, upstreamUrl } from "../../functions/providers/http.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-server.ts";
import { callOptions } from "./helpers.ts";

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});

describe("the outbound request", () => {
  it("goes to the base URL joined with the adapter's path and query", () => {
    const url = upstreamUrl({
      method: "POST",
      baseUrl: "https://acme.openai.azure.com",
      path: "/openai/deployments/d/chat/completions?api-version=2024-10-21",
      headers: {},
      body: null,
    });
    expect(url).toBe(
      "https://acme.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21",
    );
  });

  it("sends a byte body exactly as built, with the adapter's method and headers", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ model: "m", messages: [] }));
    const response = await sendUpstream(
      {
        method: "POST",
        baseUrl: fake.baseUrl,
        path: "/chat/completions",
        headers: { "content-type": "application/json", "x-signed": "sig" },
        body: bytes,
      },
      callOptions(),
      "bytes",
    );
    expect(response.status).toBe(200);
    await response.body?.cancel();
    const received = fake.requests.at(-1);
    expect(received).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    expect(received?.headers["x-signed"]).toBe("sig");
    expect(received?.body).toEqual({ model: "m", messages: [] });
  });
});

describe("provider adapters", () => {
  it("never call fetch themselves: every request goes through sendUpstream", () => {
    const root = fileURLToPath(new URL("../../functions/providers/", import.meta.url));
    const offenders: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (entry.name.endsWith(".ts") && path !== join(root, "http.ts")) {
          if (/\bfetch\s*\(/.test(readFileSync(path, "utf8"))) offenders.push(path);
        }
      }
    };
    visit(root);
    expect(offenders).toEqual([]);
  });
});
