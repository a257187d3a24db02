import { describe, expect, it } from "vitest";
import {
  chatChunksToSse,
  encodeChunkEvent,
  encodeSseEvent,
  SSE_DONE,
  type StreamEnd,
  toSseStream,
} from "../../functions/gateway/sse.ts";
import type { ChatCompletionChunk } from "../../functions/protocols/openai/chat.ts";

const decoder = new TextDecoder();
const chunk = (content: string): ChatCompletionChunk => ({
  id: "c",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
});

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let out = "";
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    out += decoder.decode(read.value, { stream: true });
  }
  return out;
}

/** A promise the test opens (Promise.withResolvers is not in Node 20). */
function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("server-sent events", () => {
  it("encodes a chunk as one data event", () => {
    expect(decoder.decode(encodeChunkEvent(chunk("hi")))).toBe(
      `data: ${JSON.stringify(chunk("hi"))}\n\n`,
    );
  });

  it("terminates OpenAI streams with data: [DONE]", () => {
    expect(decoder.decode(SSE_DONE)).toBe("data: [DONE]\n\n");
  });

  it("splits multi-line data into several data lines and names the event", () => {
    expect(decoder.decode(encodeSseEvent("a\nb", "message_start"))).toBe(
      "event: message_start\ndata: a\ndata: b\n\n",
    );
  });

  it("writes every chunk then the terminator", async () => {
    async function* chunks() {
      yield chunk("a");
      yield chunk("b");
    }
    const body = await readAll(chatChunksToSse(chunks()));
    expect(body).toBe(
      `data: ${JSON.stringify(chunk("a"))}\n\ndata: ${JSON.stringify(chunk("b"))}\n\ndata: [DONE]\n\n`,
    );
  });

  it("asks the source for nothing before the client reads, then at most one chunk ahead", async () => {
    let pulled = 0;
    const gates = [gate(), gate()];
    async function* chunks() {
      for (const [index, text] of ["a", "b", "c"].entries()) {
        pulled++;
        await gates[index]?.promise;
        yield chunk(text);
      }
    }
    const reader = chatChunksToSse(chunks()).getReader();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pulled).toBe(0);
    gates[0]?.resolve();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe(`data: ${JSON.stringify(chunk("a"))}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // "b" was asked for, but is not there yet: nothing further is read from the source.
    expect(pulled).toBe(2);
    // A generator's return() waits for its pending next(), so let "b" arrive before leaving.
    gates[1]?.resolve();
    await reader.cancel();
    expect(pulled).toBe(2);
  });

  it("writes the chunks that are ready together, without waiting for the next", async () => {
    const opened = gate();
    async function* chunks() {
      yield chunk("a");
      yield chunk("b");
      await opened.promise;
      yield chunk("c");
    }
    const reader = chatChunksToSse(chunks()).getReader();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe(
      `data: ${JSON.stringify(chunk("a"))}\n\ndata: ${JSON.stringify(chunk("b"))}\n\n`,
    );
    opened.resolve();
    const second = await reader.read();
    expect(decoder.decode(second.value)).toBe(
      `data: ${JSON.stringify(chunk("c"))}\n\ndata: [DONE]\n\n`,
    );
    expect((await reader.read()).done).toBe(true);
  });

  it("closes the source when the client goes away", async () => {
    let closed = false;
    const ends: StreamEnd[] = [];
    async function* chunks() {
      try {
        yield chunk("a");
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield chunk("b");
      } finally {
        closed = true;
      }
    }
    const reader = chatChunksToSse(chunks(), { onEnd: (end) => ends.push(end) }).getReader();
    await reader.read();
    await reader.cancel("client left");
    expect(closed).toBe(true);
    expect(ends).toEqual([{ kind: "cancelled", reason: "client left" }]);
  });

  it("ends with an error event when the source fails and an error event is given", async () => {
    const ends: StreamEnd[] = [];
    async function* chunks(): AsyncGenerator<ChatCompletionChunk> {
      yield chunk("a");
      throw new Error("upstream broke");
    }
    const body = await readAll(
      chatChunksToSse(chunks(), {
        errorEvent: () => encodeSseEvent(JSON.stringify({ error: { message: "upstream failed" } })),
        onEnd: (end) => ends.push(end),
      }),
    );
    expect(body.endsWith('data: {"error":{"message":"upstream failed"}}\n\n')).toBe(true);
    expect(body).not.toContain("[DONE]");
    expect(ends[0]?.kind).toBe("error");
  });

  it("errors the body when the source fails and no error event is given", async () => {
    const failing: AsyncIterable<ChatCompletionChunk> = {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error("upstream broke")) }),
    };
    await expect(readAll(toSseStream(failing, { encode: encodeChunkEvent }))).rejects.toThrow(
      "upstream broke",
    );
  });
});
