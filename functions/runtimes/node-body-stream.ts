/**
 * Node only: an upstream's streamed body (an event stream) as a ReadableStream in kind, read
 * straight from undici's Node Readable. Readable.toWeb() built a web stream per call, whose
 * construction alone (a transferable object, a controller, a queue) and per-chunk promise chain
 * showed in a streamed call's profile, and the Response around it built another. Every reader
 * in the gateway (sseEvents, the Bedrock decoder, readBoundedText, the native pass-through)
 * takes getReader() and calls read() and cancel(): that is served here directly, one Node
 * read() per call, whatever has arrived handed over at once. Anything else a ReadableStream
 * offers (pipeTo, pipeThrough, tee, async iteration, a BYOB reader) is handed to a real web
 * stream made from the Readable on first use, as long as nothing was read here before.
 */
import { Readable } from "node:stream";

type Chunk = Uint8Array<ArrayBuffer>;

export function nodeBodyStream(readable: Readable): ReadableStream<Chunk> {
  return new NodeBodyStream(readable) as unknown as ReadableStream<Chunk>;
}

class NodeBodyStream {
  #readable: Readable;
  #reader: NodeBodyReader | null = null;
  #web: ReadableStream<Chunk> | null = null;

  constructor(readable: Readable) {
    this.#readable = readable;
    // Until a reader listens, an upstream that fails must not throw an unhandled 'error' (that
    // ends the process): the error stays on the Readable (`errored`), where read() finds it.
    readable.on("error", () => {});
  }

  get locked(): boolean {
    return this.#reader !== null || (this.#web?.locked ?? false);
  }

  getReader(options?: { mode?: "byob" }): ReadableStreamDefaultReader<Chunk> {
    if (options?.mode === "byob") {
      return this.#webStream().getReader(options) as unknown as ReadableStreamDefaultReader<Chunk>;
    }
    if (this.#web) return this.#web.getReader();
    if (this.#reader) throw new TypeError("ReadableStream is locked");
    const reader = new NodeBodyReader(this.#readable, () => {
      this.#reader = null;
    });
    this.#reader = reader;
    return reader as unknown as ReadableStreamDefaultReader<Chunk>;
  }

  cancel(reason?: unknown): Promise<void> {
    if (this.locked) return Promise.reject(new TypeError("ReadableStream is locked"));
    if (this.#web) return this.#web.cancel(reason);
    this.#readable.destroy();
    return Promise.resolve();
  }

  pipeTo(destination: WritableStream<Chunk>, options?: StreamPipeOptions): Promise<void> {
    return this.#webStream().pipeTo(destination, options);
  }

  pipeThrough<T>(
    transform: ReadableWritablePair<T, Chunk>,
    options?: StreamPipeOptions,
  ): ReadableStream<T> {
    return this.#webStream().pipeThrough(transform, options);
  }

  tee(): [ReadableStream<Chunk>, ReadableStream<Chunk>] {
    return this.#webStream().tee();
  }

  values(options?: { preventCancel?: boolean }): AsyncIterableIterator<Chunk> {
    return (
      this.#webStream() as unknown as { values(o?: object): AsyncIterableIterator<Chunk> }
    ).values(options);
  }

  [Symbol.asyncIterator](options?: { preventCancel?: boolean }): AsyncIterableIterator<Chunk> {
    return this.values(options);
  }

  /** The real web stream, for what this class does not serve itself. */
  #webStream(): ReadableStream<Chunk> {
    if (this.#web) return this.#web;
    if (this.#reader || this.#readable.readableDidRead) {
      throw new TypeError("ReadableStream is locked or was already read");
    }
    this.#web = Readable.toWeb(this.#readable) as ReadableStream<Chunk>;
    return this.#web;
  }
}
Object.setPrototypeOf(NodeBodyStream.prototype, ReadableStream.prototype);

/**
 * A default reader over the Readable in paused mode: read() takes whatever is buffered, or waits
 * for 'readable', 'end', 'error' or 'close'. As with a web stream, cancel() ends the body (here:
 * destroys the Readable, which closes the upstream connection) and settles a pending read as done.
 */
class NodeBodyReader {
  readonly closed: Promise<undefined>;
  #readable: Readable;
  #release: () => void;
  #wake: (() => void) | null = null;
  /** The read in progress, if any: a second read() waits for it, as a web stream queues them. */
  #pending: Promise<unknown> | null = null;
  #cancelled = false;
  #settleClosed!: { resolve(): void; reject(error: unknown): void };

  constructor(readable: Readable, release: () => void) {
    this.#readable = readable;
    this.#release = release;
    this.closed = new Promise<undefined>((resolve, reject) => {
      this.#settleClosed = { resolve: () => resolve(undefined), reject };
    });
    this.closed.catch(() => undefined);
    const wake = () => this.#wake?.();
    readable.on("readable", wake);
    readable.on("end", () => {
      this.#settleClosed.resolve();
      wake();
    });
    readable.on("error", (error) => {
      this.#settleClosed.reject(error);
      wake();
    });
    readable.on("close", wake);
  }

  read(): Promise<ReadableStreamReadResult<Chunk>> {
    const previous = this.#pending;
    const result = previous
      ? previous.then(
          () => this.#readNow(),
          () => this.#readNow(),
        )
      : this.#readNow();
    this.#pending = result;
    const clear = () => {
      if (this.#pending === result) this.#pending = null;
    };
    result.then(clear, clear);
    return result;
  }

  #readNow(): Promise<ReadableStreamReadResult<Chunk>> {
    const attempt = (): ReadableStreamReadResult<Chunk> | Error | null => {
      const readable = this.#readable;
      if (this.#cancelled || readable.readableEnded) return { done: true, value: undefined };
      if (readable.errored) return readable.errored;
      const chunk = readable.read() as Buffer | null;
      if (chunk !== null) return { done: false, value: chunk as Chunk };
      // At the end, read() has just scheduled 'end'; its wake-up finds readableEnded above.
      if (readable.destroyed) {
        return readable.errored ?? new Error("the upstream closed the stream before its end");
      }
      return null;
    };
    const now = attempt();
    if (now instanceof Error) return Promise.reject(now);
    if (now !== null) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      this.#wake = () => {
        const later = attempt();
        if (later === null) return;
        this.#wake = null;
        if (later instanceof Error) reject(later);
        else resolve(later);
      };
    });
  }

  cancel(_reason?: unknown): Promise<void> {
    this.#cancelled = true;
    this.#readable.destroy();
    this.#settleClosed.resolve();
    this.#wake?.();
    return Promise.resolve();
  }

  releaseLock(): void {
    this.#release();
  }
}
