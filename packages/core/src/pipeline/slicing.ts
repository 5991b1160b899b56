/**
 * Cooperative time slicing for work on the caller's thread (segmentation, tokenization, packing, result
 * assembly), so a server's event loop never waits long behind this library.
 *
 * One clock and one queue for the whole thread: concurrent calls continue each other in microtasks, which
 * never give timers or I/O a turn, so a per-call budget would not bound anything. A call that finds the
 * thread's slice used up waits in a FIFO; each turn of the event loop (one `setImmediate`) lets exactly one
 * waiter run its next slice.
 */
import { callAbortError } from "./call-signal.js";

/** Longest stretch of work on the caller's thread before yielding to its event loop. */
export const SLICE_MS = 4;

const now = () => performance.now();
const nextTurn: (run: () => void) => void = typeof setImmediate === "function" ? (run) => void setImmediate(run) : (run) => void setTimeout(run, 0);

const waiting: (() => void)[] = [];
let pumping = false;
/** When the running slice began; −∞ until a slice was granted, so the first check yields once. */
let sliceStart = -Infinity;

function pump(): void {
  const next = waiting.shift();
  if (!next) {
    pumping = false;
    return;
  }
  sliceStart = now();
  next();
  // One waiter per turn of the event loop; the next one after timers and I/O had theirs.
  nextTurn(pump);
}

/**
 * Returns at once while the thread's current slice has time left; otherwise waits for a turn of the
 * event loop (FIFO with every other call in this thread), then throws if `signal` fired meanwhile.
 */
export async function yieldIfBusy(signal: AbortSignal): Promise<void> {
  if (now() - sliceStart < SLICE_MS) return;
  await new Promise<void>((resolve) => {
    waiting.push(resolve);
    if (!pumping) {
      pumping = true;
      nextTurn(pump);
    }
  });
  if (signal.aborted) throw callAbortError(signal);
}
