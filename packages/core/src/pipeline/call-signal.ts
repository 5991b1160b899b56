/**
 * One abort signal per call (highlight, rerank): the caller's signal and the call's timeout both abort it,
 * and it is aborted when the call ends, so batches of a failed call never linger in a backend's queue.
 */
import { AbortError, SemanticHighlightError, TimeoutError } from "../errors.js";

/** The typed error a call rejects with once its signal has fired. */
export function callAbortError(signal: AbortSignal): SemanticHighlightError {
  const reason: unknown = signal.reason;
  return reason instanceof SemanticHighlightError ? reason : new AbortError(reason);
}

/**
 * Runs `work` under the call's signal and rejects as soon as that signal fires, whatever `work` is waiting
 * on. `what` names the call in the timeout message ("The highlight call").
 */
export async function withCallSignal<T>(what: string, options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined }, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) throw new AbortError(signal.reason);
  const call = new AbortController();
  const onCallerAbort = () => call.abort(new AbortError(signal!.reason));
  signal?.addEventListener("abort", onCallerAbort, { once: true });
  const timer = timeoutMs !== undefined ? setTimeout(() => call.abort(new TimeoutError(what, timeoutMs)), timeoutMs) : undefined;
  const aborted = new Promise<never>((_, reject) => call.signal.addEventListener("abort", () => reject(callAbortError(call.signal)), { once: true }));
  aborted.catch(() => undefined);
  try {
    return await Promise.race([work(call.signal), aborted]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener("abort", onCallerAbort);
    if (!call.signal.aborted) call.abort(new AbortError("call finished"));
  }
}
