/**
 * Whether this is Node itself, for the Node-only paths (the connect-time upstream guard, initdb in
 * a child process). Here in db/, the lowest layer, so the stores and the gateway share one check.
 * Bun and Deno report a Node version too (process.versions.node), so they are ruled out by name.
 */
export function runsOnNode(): boolean {
  return (
    typeof process === "object" &&
    typeof process.versions?.node === "string" &&
    !("Bun" in globalThis) &&
    !("Deno" in globalThis)
  );
}
