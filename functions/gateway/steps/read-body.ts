/**
 * Stage 1a: read the body within the size limit and parse it as JSON. The limit is enforced while
 * reading, so a client that lies in Content-Length (or sends none) still cannot make us buffer more.
 */
import { GatewayError } from "../errors.ts";

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body)
    throw new GatewayError("invalid_json", "The request body is empty; send JSON.");

  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "")
    throw new GatewayError("invalid_json", "The request body is empty; send JSON.");
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError(
      "invalid_json",
      "We could not parse the JSON body of your request. Check that it is valid JSON.",
    );
  }
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    "body_too_large",
    `The request body is larger than the limit of ${maxBytes} bytes.`,
  );
}
