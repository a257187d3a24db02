/**
 * The request deadline (functions/routing/resilience/deadline.ts): its clock and its timer, the
 * client going away, and a signal made only when something asks for one.
 */
import { describe, expect, it } from "vitest";
import { startDeadline } from "../../functions/routing/resilience/deadline.ts";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("startDeadline", () => {
  it("counts down by the gateway's clock", () => {
    let now = 1_000;
    const deadline = startDeadline(500, () => now, undefined);
    expect(deadline.remaining()).toBe(500);
    now += 200;
    expect(deadline.remaining()).toBe(300);
    expect(deadline.expired()).toBe(false);
    now += 300;
    expect(deadline.expired()).toBe(true);
    // The clock alone does not abort: only the timer or the client does.
    expect(deadline.aborted()).toBe(false);
    deadline.dispose();
  });

  it("is ended by its timer, and a signal asked for afterwards is already aborted", async () => {
    const deadline = startDeadline(5, () => 0, undefined);
    await tick(30);
    expect(deadline.aborted()).toBe(true);
    expect(deadline.expired()).toBe(true);
    expect(deadline.remaining()).toBe(0);
    expect(deadline.signal.aborted).toBe(true);
    expect((deadline.signal.reason as DOMException).name).toBe("TimeoutError");
    deadline.dispose();
  });

  it("aborts a signal asked for before the timer ends", async () => {
    const deadline = startDeadline(5, () => 0, undefined);
    const signal = deadline.signal;
    expect(signal.aborted).toBe(false);
    await tick(30);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe("TimeoutError");
    deadline.dispose();
  });

  it("ends when the client goes away, whether or not its signal was made", () => {
    const client = new AbortController();
    const unasked = startDeadline(60_000, () => 0, client.signal);
    const asked = startDeadline(60_000, () => 0, client.signal);
    const signal = asked.signal;
    client.abort(new Error("client left"));
    for (const deadline of [unasked, asked]) {
      expect(deadline.aborted()).toBe(true);
      expect(deadline.remaining()).toBe(0);
    }
    expect(signal.reason).toEqual(new Error("client left"));
    expect(unasked.signal.reason).toEqual(new Error("client left"));
    unasked.dispose();
    asked.dispose();
  });

  it("lets go of the client and stops its timer on dispose", async () => {
    const client = new AbortController();
    const deadline = startDeadline(5, () => 0, client.signal);
    const signal = deadline.signal;
    deadline.dispose();
    await tick(30);
    client.abort();
    expect(signal.aborted).toBe(false);
    expect(deadline.aborted()).toBe(true); // the client did leave; the signal just no longer says
  });
});
