/**
 * Which transport the gateway under test calls its (fake) upstreams with. By default the
 * platform's fetch, as Bun, Deno, Vercel and the tests' own services use. With
 * SWITCHYARD_TEST_UPSTREAM=node, the transport `npm start` uses on Node instead
 * (functions/runtimes/node-fetch.ts: undici's request, answers held as bytes, streamed bodies read
 * straight from the socket); CI runs the provider and gateway suites a second time that way.
 */
import { createRequestFetch } from "../../functions/runtimes/node-fetch.ts";

let nodeTransport: typeof fetch | undefined;

/**
 * The Node transport when asked for, else undefined: the services then pick the platform's own,
 * as in production (the global fetch, or the connect-guarded one where private upstreams are
 * refused; that guard's tests keep it either way).
 */
export function testUpstreamFetch(
  { allowPrivate }: { allowPrivate: boolean } = { allowPrivate: true },
): typeof fetch | undefined {
  if (process.env.SWITCHYARD_TEST_UPSTREAM !== "node" || !allowPrivate) return undefined;
  nodeTransport ??= createRequestFetch();
  return nodeTransport;
}
