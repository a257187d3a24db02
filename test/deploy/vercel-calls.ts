/**
 * Calls a Vercel function entry (api/index.ts, or what `vercel build` made of it) the way the
 * platform does: real Request objects to its method exports, with Vercel's request context
 * (the global `@vercel/functions` reads `waitUntil` from) installed, so what the entry hands to
 * waitUntil is seen.
 */
import { expect } from "vitest";

type Handler = (request: Request) => Promise<Response>;
export interface VercelEntry {
  GET: Handler;
  POST: Handler;
  OPTIONS: Handler;
}

const REQUEST_CONTEXT = Symbol.for("@vercel/request-context");

/** Installs a Vercel request context whose waitUntil records what it is given. */
export function installVercelRequestContext(): { handed: Promise<unknown>[]; remove(): void } {
  const handed: Promise<unknown>[] = [];
  const global = globalThis as Record<symbol, unknown>;
  global[REQUEST_CONTEXT] = {
    get: () => ({ waitUntil: (promise: Promise<unknown>) => handed.push(promise) }),
  };
  return { handed, remove: () => delete global[REQUEST_CONTEXT] };
}

export const url = (path: string) => `https://switchyard-git-preview.vercel.app${path}`;

export async function graphql(
  entry: VercelEntry,
  masterKey: string,
  query: string,
  variables: Record<string, unknown> = {},
) {
  const response = await entry.POST(
    new Request(url("/graphql"), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data ?? {};
}

/** An org and a virtual key, made through the admin API. */
export async function orgWithKey(entry: VercelEntry, masterKey: string) {
  const created = (await graphql(
    entry,
    masterKey,
    `mutation { createOrg(input: {name: "vercel-${crypto.randomUUID().slice(0, 8)}"}) { org { id } } }`,
  )) as { createOrg: { org: { id: string } } };
  const orgId = created.createOrg.org.id;
  const keyed = (await graphql(
    entry,
    masterKey,
    `mutation ($org: ID!) { createVirtualKey(input: {orgId: $org, name: "edge"}) { secret } }`,
    { org: orgId },
  )) as { createVirtualKey: { secret: string } };
  return { orgId, secret: keyed.createVirtualKey.secret };
}

export function chat(entry: VercelEntry, secret: string, content: string, stream = false) {
  return entry.POST(
    new Request(url("/v1/chat/completions"), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model: "mock/echo", stream, messages: [{ role: "user", content }] }),
    }),
  );
}

/** How many calls the org's usage records hold (through the admin API). */
export async function recordedRequests(
  entry: VercelEntry,
  masterKey: string,
  orgId: string,
): Promise<number> {
  const data = (await graphql(
    entry,
    masterKey,
    `query ($filter: UsageFilter!) { usage(filter: $filter) { edges { node { requests } } } }`,
    {
      filter: {
        orgId,
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 3_600_000).toISOString(),
      },
    },
  )) as { usage: { edges: Array<{ node: { requests: number } }> } };
  return data.usage.edges.reduce((sum, edge) => sum + edge.node.requests, 0);
}
