/**
 * Node only (upstream-fetch.ts imports it lazily, so Bun and Deno never load undici): the SSRF
 * guard at the moment a connection is made. The pre-check (guarded-fetch.ts) looks a name up,
 * then fetch looks it up again to connect; a DNS answer that changes in between (rebinding)
 * would otherwise reach a private address. Here every connection goes through a connector that
 *   1. resolves names with a lookup that refuses non-public answers, before any packet is sent;
 *   2. checks the socket's remote address once connected, which also covers address literals
 *      (Node skips lookup for those) and anything else the lookup did not see.
 * undici's own fetch drives undici's own Agent: Node's global fetch is a separate, bundled copy
 * of undici whose dispatcher interface need not match this package's version.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { Agent, buildConnector, fetch as undiciFetch } from "undici";
import { nonPublicRange } from "./address-ranges.ts";
import { UpstreamRefusedError } from "./guarded-fetch.ts";

type UndiciInit = NonNullable<Parameters<typeof undiciFetch>[1]>;

/** A fetch whose connections can only reach public addresses. `lookup` is Node's DNS unless given. */
export function createNodeUpstreamFetch(options: { lookup?: LookupFunction } = {}): typeof fetch {
  const dispatcher = createGuardedAgent(options);
  const guarded = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // A Request built by the global fetch's undici is foreign to this one; callers pass a URL.
    if (input instanceof Request) throw new TypeError("upstream fetch takes a URL, not a Request");
    const response = await undiciFetch(input, { ...(init as UndiciInit), dispatcher });
    return response as unknown as Response;
  };
  return guarded as typeof fetch;
}

/** The Agent behind that fetch, for a transport of its own (runtimes/node-fetch.ts). */
export function createGuardedAgent(options: { lookup?: LookupFunction } = {}): Agent {
  const connector = buildConnector({ lookup: refusingPrivateAnswers(options.lookup ?? dnsLookup) });
  return new Agent({ connect: refusingPrivatePeers(connector) });
}

/**
 * A DNS lookup that fails when any answer is not public, the same rule as the pre-check (one
 * private answer among public ones is enough: the connection may pick any of them).
 */
export function refusingPrivateAnswers(lookup: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, found) => {
      if (error) return callback(error, []);
      const answers: LookupAddress[] =
        typeof found === "string" ? [{ address: found, family: isIP(found) }] : found;
      for (const answer of answers) {
        const range = nonPublicRange(answer.address);
        if (range) return callback(refusal(`${hostname} resolves to`, range), []);
      }
      const first = answers[0];
      if (!first) return callback(notFound(hostname), []);
      if (options.all) return callback(null, answers);
      return callback(null, first.address, first.family);
    });
  };
}

type ConnectCallbackArgs = Parameters<buildConnector.Callback>;

/** The last word: whatever the socket actually connected to must be public. */
function refusingPrivatePeers(connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) => {
    connect(options, (...[error, socket]: ConnectCallbackArgs) => {
      if (error) return callback(error, null);
      const range = nonPublicRange(socket.remoteAddress ?? "");
      if (range) {
        socket.destroy();
        return callback(refusal("the connection reached", range), null);
      }
      callback(null, socket);
    });
  };
}

function refusal(what: string, range: string): UpstreamRefusedError {
  return new UpstreamRefusedError(`refused: ${what} a private address (${range})`);
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
}
