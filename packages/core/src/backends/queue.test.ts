/** The job queue's rules, with hand-driven slots: no promise ever hangs. */
import { describe, expect, it } from "vitest";

import { AbortError, InferenceError, OverloadedError } from "../errors.js";
import { JobQueue, type ExecutionSlot } from "./queue.js";

/** A slot whose jobs finish when the test says so. */
class ManualSlot implements ExecutionSlot<string, string> {
  alive = true;
  readonly started: string[] = [];
  private finishers: ((value: string) => void)[] = [];
  private failers: ((error: unknown) => void)[] = [];
  execute(job: string): Promise<string> {
    this.started.push(job);
    return new Promise((resolve, reject) => {
      this.finishers.push(resolve);
      this.failers.push(reject);
    });
  }
  finish(): void {
    this.failers.shift();
    this.finishers.shift()!(`done ${this.started[this.started.length - this.finishers.length - 1]}`);
  }
  die(): void {
    this.alive = false;
    this.finishers.shift();
    this.failers.shift()!(new Error("slot died"));
  }
}

const flush = () => new Promise((r) => setImmediate(r));

describe("JobQueue", () => {
  it("runs jobs in order, one per slot, and refuses beyond maxQueued at once", async () => {
    const queue = new JobQueue<string, string>({ maxQueued: 1 });
    const slot = new ManualSlot();
    queue.addSlot(slot);
    const a = queue.submit("a");
    const b = queue.submit("b");
    await expect(queue.submit("c")).rejects.toBeInstanceOf(OverloadedError);
    expect(slot.started).toEqual(["a"]);
    expect([queue.queued, queue.inFlight]).toEqual([1, 1]);
    slot.finish();
    await expect(a).resolves.toBe("done a");
    await flush();
    expect(slot.started).toEqual(["a", "b"]);
    slot.finish();
    await expect(b).resolves.toBe("done b");
  });

  it("drops an aborted waiting job at once and abandons an aborted running one", async () => {
    const queue = new JobQueue<string, string>({ maxQueued: 10 });
    const slot = new ManualSlot();
    queue.addSlot(slot);
    const running = new AbortController();
    const waiting = new AbortController();
    const a = queue.submit("a", running.signal);
    const b = queue.submit("b", waiting.signal);
    const c = queue.submit("c");
    waiting.abort();
    await expect(b).rejects.toBeInstanceOf(AbortError);
    expect(queue.queued).toBe(1);
    running.abort();
    await expect(a).rejects.toBeInstanceOf(AbortError);
    slot.finish(); // the abandoned job's result arrives later and is dropped; the slot takes the next job
    await flush();
    expect(slot.started).toEqual(["a", "c"]);
    slot.finish();
    await expect(c).resolves.toBe("done c");
    await expect(queue.submit("d", AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
  });

  it("fails only the job a dying slot held, and runs the rest on a replacement", async () => {
    const queue = new JobQueue<string, string>({ maxQueued: 10 });
    const first = new ManualSlot();
    queue.addSlot(first);
    const a = queue.submit("a");
    const b = queue.submit("b");
    first.die();
    await expect(a).rejects.toThrow("slot died");
    await flush();
    expect(first.started).toEqual(["a"]);
    const second = new ManualSlot();
    queue.addSlot(second);
    expect(second.started).toEqual(["b"]);
    second.finish();
    await expect(b).resolves.toBe("done b");
  });

  it("rejects waiting and running jobs on dispose, and every later submit", async () => {
    const queue = new JobQueue<string, string>({ maxQueued: 10 });
    queue.addSlot(new ManualSlot());
    const a = queue.submit("a");
    const b = queue.submit("b");
    queue.dispose();
    await expect(a).rejects.toBeInstanceOf(InferenceError);
    await expect(b).rejects.toBeInstanceOf(InferenceError);
    await expect(queue.submit("c")).rejects.toBeInstanceOf(InferenceError);
  });

  it("says when it turns busy and idle (what lets idle workers stop holding the process)", async () => {
    const changes: boolean[] = [];
    const queue = new JobQueue<string, string>({ maxQueued: 10, onBusyChange: (busy) => changes.push(busy) });
    const slot = new ManualSlot();
    queue.addSlot(slot);
    expect(changes).toEqual([]);
    const a = queue.submit("a");
    const b = queue.submit("b");
    expect(changes).toEqual([true]);
    slot.finish();
    await a;
    expect(changes).toEqual([true]); // b still runs
    slot.finish();
    await b;
    expect([changes, queue.isBusy]).toEqual([[true, false], false]);
    // An aborted running job counts until its slot gives it back; an aborted waiting one leaves at once.
    const running = new AbortController();
    const waiting = new AbortController();
    const c = queue.submit("c", running.signal).catch((e: unknown) => e);
    const d = queue.submit("d", waiting.signal).catch((e: unknown) => e);
    waiting.abort();
    running.abort();
    await Promise.all([c, d]);
    expect(changes).toEqual([true, false, true]);
    slot.finish();
    await flush();
    expect(changes).toEqual([true, false, true, false]);
    void queue.submit("e").catch(() => undefined);
    queue.dispose();
    expect(changes).toEqual([true, false, true, false, true, false]);
  });
});
