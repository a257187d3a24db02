/**
 * redis.pipeline() and redis.multi() (MULTI/EXEC). The client sends both as one request
 * (/pipeline, /multi-exec) and reports errors per command; real Redis decides which
 * failures abort a transaction (queue-time ones: EXECABORT) and which do not (run-time ones,
 * no rollback). Over REST, plain commands issued in the same tick are auto-pipelined too.
 */
import { describe, expect, it } from "vitest";
import { transports } from "./transports.ts";
import { useRedis } from "./use-redis.ts";

const NOT_AN_INTEGER = "ERR value is not an integer or out of range";

describe.each(transports)("pipelines and transactions over $name", (transport) => {
  const t = useRedis(transport);

  it("returns a pipeline's results in order, deserialized per command", async () => {
    const results = await t.redis
      .pipeline()
      .set(t.key("n"), 1)
      .incr(t.key("n"))
      .set(t.key("json"), { a: [1, 2] })
      .get(t.key("json"))
      .hset(t.key("h"), { f: "v", g: 2 })
      .hgetall(t.key("h"))
      .get(t.key("missing"))
      .exec();
    expect(results).toEqual(["OK", 2, "OK", { a: [1, 2] }, 2, { f: "v", g: 2 }, null]);
  });

  it("throws the first failing command of a pipeline, after running all of them", async () => {
    await t.redis.set(t.key("text"), "abc");
    const pipeline = t.redis.pipeline().set(t.key("a"), 1).incr(t.key("text")).set(t.key("b"), 2);
    await expect(pipeline.exec()).rejects.toThrow(`Command 2 [ incr ] failed: ${NOT_AN_INTEGER}`);
    // A pipeline is no transaction: the commands around the failure ran.
    expect(await t.redis.mget(t.key("a"), t.key("b"))).toEqual([1, 2]);
  });

  it("reports each command's error with keepErrors", async () => {
    await t.redis.set(t.key("text"), "abc");
    const results = await t.redis
      .pipeline()
      .incr(t.key("n"))
      .incr(t.key("text"))
      .del()
      .eval("return redis.error_reply('MYERR from a script')", [], [])
      .get(t.key("n"))
      .exec({ keepErrors: true });
    expect(results).toEqual([
      { result: 1 },
      { error: NOT_AN_INTEGER },
      // Wrong arity only fails its own command in a pipeline.
      { error: "ERR wrong number of arguments for 'del' command" },
      { error: "MYERR from a script" },
      { result: 1 },
    ]);
  });

  it("refuses to send an empty pipeline", async () => {
    await expect(t.redis.pipeline().exec()).rejects.toThrow("Pipeline is empty");
    await expect(t.redis.multi().exec()).rejects.toThrow("Pipeline is empty");
  });

  it("returns a transaction's results in order", async () => {
    const results = await t.redis
      .multi()
      .set(t.key("n"), 10)
      .incrby(t.key("n"), 5)
      .rpush(t.key("l"), "a", "b")
      .lrange(t.key("l"), 0, -1)
      .get(t.key("n"))
      .exec();
    expect(results).toEqual(["OK", 15, 2, ["a", "b"], 15]);
  });

  it("runs the rest of a transaction after a command fails at run time", async () => {
    await t.redis.set(t.key("text"), "abc");
    const transaction = () =>
      t.redis.multi().set(t.key("a"), 1).incr(t.key("text")).incr(t.key("a"));
    await expect(transaction().exec()).rejects.toThrow(
      `Command 2 [ incr ] failed: ${NOT_AN_INTEGER}`,
    );
    // EXEC ran every queued command; Redis has no rollback.
    expect(await t.redis.get(t.key("a"))).toBe(2);
    expect(await transaction().exec({ keepErrors: true })).toEqual([
      { result: "OK" },
      { error: NOT_AN_INTEGER },
      { result: 2 },
    ]);
  });

  it("discards the whole transaction when a command is refused while queueing", async () => {
    const transaction = t.redis.multi().set(t.key("a"), 1).del().set(t.key("b"), 2);
    await expect(transaction.exec()).rejects.toThrow(
      "EXECABORT Transaction discarded because of previous errors.",
    );
    await expect(
      t.redis.multi().set(t.key("a"), 1).del().exec({ keepErrors: true }),
    ).rejects.toThrow(/EXECABORT/);
    expect(await t.redis.exists(t.key("a"), t.key("b"))).toBe(0);
  });

  it("keeps replies nested in a transaction as they are", async () => {
    const results = await t.redis
      .multi()
      .eval("return {1, 'two', {3}, redis.status_reply('FOUR')}", [], [])
      .exec();
    expect(results).toEqual([[1, "two", [3], "FOUR"]]);
  });

  it("runs a transaction's commands back to back while another client writes", async () => {
    const other = t.connect().redis;
    const list = t.key("list");
    // Big enough (~200 KB) that Redis reads it in many chunks, serving other clients in
    // between: a pipeline sent as MULTI/EXEC-less commands could interleave; EXEC cannot.
    const size = 200;
    const padding = "x".repeat(1000);
    let stop = false;
    await other.rpush(list, "noise");
    const noise = (async () => {
      let pushes = 0;
      while (!stop) {
        await other.rpush(list, "noise");
        pushes++;
      }
      return pushes;
    })();
    const transaction = t.redis.multi();
    for (let i = 0; i < size; i++) transaction.rpush(list, `tx-${i}-${padding}`);
    transaction.lrange(list, 0, -1);
    const results = await transaction.exec();
    stop = true;
    expect(await noise).toBeGreaterThan(0);

    const items = results.at(-1) as string[];
    const first = items.findIndex((item) => item.startsWith("tx-"));
    expect(first).toBeGreaterThan(0);
    // The transaction's pushes are consecutive and the last thing before its LRANGE.
    expect(items.slice(first).map((item) => item.split("-", 2).join("-"))).toEqual(
      Array.from({ length: size }, (_, i) => `tx-${i}`),
    );
    expect(results.slice(0, size)).toEqual(Array.from({ length: size }, (_, i) => first + i + 1));
  });

  it("gives each command sent in the same tick its own result or error", async () => {
    // The REST client auto-pipelines such commands (pipelineCounter counts its requests): one
    // request for the writes and one for the reads of a tick, so reading what the same tick
    // writes has no defined order there. The TCP and embedded clients send them one by one.
    const counter = () => (t.redis as unknown as { pipelineCounter?: number }).pipelineCounter;
    const before = counter();
    await t.redis.mset({ [t.key("text")]: "abc", [t.key("kept")]: { x: 1 } });
    const settled = await Promise.allSettled([
      t.redis.set(t.key("a"), "v"),
      t.redis.incr(t.key("text")),
      t.redis.incr(t.key("n")),
      t.redis.incr(t.key("n")),
      t.redis.get(t.key("kept")),
    ]);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : "rejected"))).toEqual([
      "OK",
      "rejected",
      1,
      2,
      { x: 1 },
    ]);
    const failure = settled[1];
    expect(failure?.status === "rejected" && String(failure.reason)).toMatch(NOT_AN_INTEGER);
    if (before !== undefined) expect(counter()).toBe(before + 3);
  });
});
