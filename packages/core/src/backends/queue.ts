/**
 * The queue in front of a backend's execution slots (a session, worker threads, concurrent HTTP requests).
 * It owns the lifecycle rules every backend shares, so no promise can hang:
 * - bounded: a job beyond `maxQueued` waiting jobs is refused at once with {@link OverloadedError};
 * - abort: a waiting job leaves the queue at once; a running one is abandoned (its result is dropped);
 * - a slot that dies fails only the job it held; its owner adds a replacement with {@link addSlot};
 * - dispose: every waiting and running job rejects.
 * It also says when it turns busy (a job waits or runs) and idle again, so a backend can keep the process
 * alive exactly while a call needs it (worker threads are unref'd when idle: a script that forgets
 * `dispose()` still exits).
 */
import { AbortError, InferenceError, OverloadedError } from "../errors.js";

const released = () => new InferenceError("The model has been released (dispose() was called).");

/** Somewhere a job can run: one session, one worker, one HTTP connection's worth of concurrency. */
export interface ExecutionSlot<J, R> {
  execute(job: J): Promise<R>;
  /** False once the slot is dead (its worker exited): it gets no more jobs. */
  readonly alive: boolean;
}

interface Pending<J, R> {
  job: J;
  signal: AbortSignal | undefined;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
  settled: boolean;
  onAbort?: () => void;
}

/** Options of {@link JobQueue}. */
export interface JobQueueOptions {
  /** Most jobs waiting for a slot; beyond it {@link OverloadedError}. */
  maxQueued: number;
  /**
   * Called with `true` when the first job arrives (waiting or running) and with `false` when the last one
   * leaves (settled, aborted, disposed; a job abandoned by an abort counts until its slot gives it back).
   */
  onBusyChange?: (busy: boolean) => void;
}

/** FIFO queue over a changing set of execution slots. */
export class JobQueue<J, R> {
  private readonly waiting: Pending<J, R>[] = [];
  private readonly idle: ExecutionSlot<J, R>[] = [];
  private readonly running = new Set<Pending<J, R>>();
  private disposed = false;
  private reason: () => Error = released;
  private readonly maxQueued: number;
  private readonly onBusyChange: ((busy: boolean) => void) | undefined;
  private busy = false;

  constructor(options: JobQueueOptions) {
    this.maxQueued = options.maxQueued;
    this.onBusyChange = options.onBusyChange;
  }

  /** Whether a job waits or runs (see {@link JobQueueOptions.onBusyChange}). */
  get isBusy(): boolean {
    return this.busy;
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Jobs running on a slot now. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Adds a slot (at start, or to replace a dead one). */
  addSlot(slot: ExecutionSlot<J, R>): void {
    if (this.disposed) return;
    this.idle.push(slot);
    this.dispatch();
  }

  /** Queues a job; resolves with its result, or rejects (overload, abort, slot failure, dispose). */
  submit(job: J, signal?: AbortSignal): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.disposed) return reject(this.reason());
      if (signal?.aborted) return reject(new AbortError(signal.reason));
      if (this.waiting.length >= this.maxQueued && this.idle.length === 0) {
        return reject(new OverloadedError(this.waiting.length, this.maxQueued));
      }
      const pending: Pending<J, R> = { job, signal, resolve, reject, settled: false };
      if (signal) {
        pending.onAbort = () => {
          const at = this.waiting.indexOf(pending);
          if (at >= 0) this.waiting.splice(at, 1);
          this.settle(pending, () => reject(new AbortError(signal.reason)));
          this.updateBusy();
        };
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.waiting.push(pending);
      this.updateBusy();
      this.dispatch();
    });
  }

  /**
   * Rejects everything waiting or running, and every later submit, with `reason()` (default: the model was
   * released by `dispose()`).
   */
  dispose(reason: () => Error = released): void {
    if (this.disposed) return;
    this.disposed = true;
    this.reason = reason;
    const error = reason;
    for (const pending of this.waiting.splice(0)) this.settle(pending, () => pending.reject(error()));
    for (const pending of this.running) this.settle(pending, () => pending.reject(error()));
    this.running.clear();
    this.idle.length = 0;
    this.updateBusy();
  }

  private updateBusy(): void {
    const busy = this.waiting.length > 0 || this.running.size > 0;
    if (busy === this.busy) return;
    this.busy = busy;
    this.onBusyChange?.(busy);
  }

  private settle(pending: Pending<J, R>, action: () => void): void {
    if (pending.settled) return;
    pending.settled = true;
    if (pending.onAbort) pending.signal?.removeEventListener("abort", pending.onAbort);
    action();
  }

  private dispatch(): void {
    while (!this.disposed && this.waiting.length > 0) {
      let slot = this.idle.shift();
      while (slot && !slot.alive) slot = this.idle.shift();
      if (!slot) return;
      const pending = this.waiting.shift()!;
      this.running.add(pending);
      const held = slot;
      held.execute(pending.job).then(
        (value) => this.finish(held, pending, () => pending.resolve(value)),
        (error: unknown) => this.finish(held, pending, () => pending.reject(error)),
      );
    }
  }

  private finish(slot: ExecutionSlot<J, R>, pending: Pending<J, R>, action: () => void): void {
    this.running.delete(pending);
    this.settle(pending, action);
    if (!this.disposed && slot.alive) this.idle.push(slot);
    this.dispatch();
    this.updateBusy();
  }
}
