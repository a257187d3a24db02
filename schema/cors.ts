/**
 * CORS for /graphql. The admin API authenticates with a bearer token only, never a cookie, so it
 * never needs credentialed cross-origin calls. A browser page may call it only from an origin
 * listed in SWITCHYARD_CORS_ORIGINS; any other origin (and every origin when none is listed)
 * gets no CORS headers at all, so the browser keeps the answer from it. yoga's default, which
 * reflected any Origin with Access-Control-Allow-Credentials, is not used.
 */
import type { YogaServerOptions } from "graphql-yoga";

type CorsOption = YogaServerOptions<Record<string, unknown>, Record<string, unknown>>["cors"];

export function corsFor(allowedOrigins: readonly string[]): CorsOption {
  if (allowedOrigins.length === 0) return false;
  const allowed = new Set(allowedOrigins);
  return (request: Request) => {
    const origin = request.headers.get("origin");
    if (!origin || !allowed.has(origin)) return false;
    return {
      origin: [...allowed],
      credentials: false,
      methods: ["GET", "POST"],
      allowedHeaders: ["authorization", "content-type"],
      maxAge: 600,
    };
  };
}
