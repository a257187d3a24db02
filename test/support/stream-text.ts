/**
 * Reads a streamed response body as text, step by step: up to a marker (to act mid-stream),
 * then to the end. `reader` stays available for cancelling.
 */
export interface StreamText {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Everything read so far. */
  readonly seen: string;
  /** Reads until `marker` has arrived; fails if the stream ends first. */
  until(marker: string): Promise<string>;
  /** Reads to the end of the stream. */
  rest(): Promise<string>;
}

export function streamText(response: Response): StreamText {
  const reader = response.body?.getReader();
  if (!reader) throw new Error("the response has no body");
  const decoder = new TextDecoder();
  let seen = "";
  return {
    reader,
    get seen() {
      return seen;
    },
    async until(marker) {
      while (!seen.includes(marker)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${marker}`);
        seen += decoder.decode(value, { stream: true });
      }
      return seen;
    },
    async rest() {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += decoder.decode(value, { stream: true });
      }
      seen += decoder.decode();
      return seen;
    },
  };
}
