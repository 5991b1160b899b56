/**
 * The worker backend (the library default in Node): N worker threads, each with its own onnxruntime
 * session of the same model folder, behind one bounded queue. Batches and logits cross threads as
 * transferred ArrayBuffers (moved, not copied). Segmentation and tokenization of big calls run in the
 * workers too, so the caller's event loop only packs batches and assembles results.
 *
 * Workers keep the process alive only while a call needs them: they are ref'd while they load the model
 * (`load()` is awaited) and while any batch waits or runs, and unref'd when the queue is idle, so a script
 * that never calls `dispose()` still exits once its last call has settled.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

import { InferenceError, ModelLoadError, WorkerCrashedError } from "../errors.js";
import type { RuntimeOptions } from "./onnx-session.js";
import { JobQueue, type ExecutionSlot } from "./queue.js";
import type { BackendInfo, BackendStats, BatchOutput, InferenceBackend, ModelInputName, ModelInputs, PackedPreparation, PrepareRequest, RunOptions } from "./types.js";
import { deserializeError, type FromWorker, type ToWorker, type WorkerInit } from "./worker-protocol.js";

/** Options of the worker backend. */
export interface WorkerBackendOptions {
  /**
   * Worker threads, each with its own session (memory: one copy of the weights each). Default 1, which
   * already uses every core through onnxruntime's intra-op threads. With more, each worker gets
   * cores / workers intra-op threads unless `runtime.intraOpNumThreads` says otherwise
   * (`withWorkerThreads`); more workers only pay off with many cores and concurrent calls.
   */
  workers?: number;
  /** Most batches waiting for a worker; beyond it calls fail at once with `OverloadedError`. Default 1024. */
  maxQueuedBatches?: number;
  /** Worker heap limits (Node `resourceLimits`), e.g. to contain a runaway input. */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

type Job = { kind: "run"; inputs: ModelInputs } | { kind: "prepare"; request: PrepareRequest };
type JobResult = BatchOutput | PackedPreparation[];

/**
 * Intra-op threads per worker when the caller set none: onnxruntime's own default (every core) for one
 * worker; the cores shared out for several, so W workers never run W × cores threads on `cores` cores
 * (bench/results/speed-zilliz.md: oversubscribed workers lose throughput and latency).
 */
export function withWorkerThreads(runtime: RuntimeOptions, workers: number, cores = availableParallelism()): RuntimeOptions {
  if (workers <= 1 || runtime.intraOpNumThreads !== undefined) return runtime;
  return { ...runtime, intraOpNumThreads: Math.max(1, Math.floor(cores / workers)) };
}

/** How to start the entry file: the built JavaScript, or the TypeScript source through tsx (tests, dev). */
function workerSource(): { source: string | URL; eval: boolean } {
  const built = new URL("./worker-entry.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return { source: built, eval: false };
  const ts = new URL("./worker-entry.ts", import.meta.url);
  if (existsSync(fileURLToPath(ts))) {
    // Only in a source checkout (tests, development): tsx compiles the TypeScript entry on the fly.
    const tsxRoot = path.dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
    const tsx = pathToFileURL(path.join(tsxRoot, "dist/esm/api/index.mjs")).href;
    const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(ts.href)}); });`;
    return { source: code, eval: true };
  }
  throw new InferenceError(`the worker entry file is missing next to ${fileURLToPath(import.meta.url)} (expected worker-entry.js)`);
}

const ENTRY_ONLY_FLAGS = ["--input-type", "--eval", "-e", "--print", "-p"];
const isEntryOnly = (arg: string) => ENTRY_ONLY_FLAGS.includes(arg) || ENTRY_ONLY_FLAGS.some((flag) => flag.startsWith("--") && arg.startsWith(`${flag}=`));

/**
 * The Node options for the worker threads: `undefined` (inherit the parent's, Node's default) unless the
 * parent has options that only make sense for the main entry. A worker inherits `process.execArgv`, and
 * `node --input-type=module --eval …` made every worker fail to start ("--input-type can only be used with
 * string input"); then the parent's options minus those (and their values) are passed explicitly.
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] | undefined {
  if (!execArgv.some(isEntryOnly)) return undefined;
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (isEntryOnly(arg)) {
      if (!arg.includes("=") && i + 1 < execArgv.length) i++; // drop its value too
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** Options named in Node's ERR_WORKER_INVALID_EXEC_ARGV message ("…invalid execArgv flags: --a=1, --b"). */
function refusedFlags(error: unknown): Set<string> | undefined {
  if ((error as { code?: unknown })?.code !== "ERR_WORKER_INVALID_EXEC_ARGV") return undefined;
  const listed = /flags: (.*)$/.exec(String((error as Error).message))?.[1];
  return listed ? new Set(listed.split(", ")) : undefined;
}

/**
 * Starts a worker thread. Given explicitly, `execArgv` is checked more strictly than when inherited: V8 and
 * process-wide options (`--max-old-space-size`, `--expose-gc`, `--title`, …) are refused there, so those
 * Node names are dropped (with their separate values) and the start retried.
 */
function newWorker(source: string | URL, options: { eval: boolean; workerData: WorkerInit; resourceLimits?: WorkerBackendOptions["resourceLimits"] }): Worker {
  let execArgv = workerExecArgv();
  for (let attempt = 0; ; attempt++) {
    try {
      return new Worker(source, { ...options, ...(execArgv ? { execArgv } : {}) });
    } catch (error) {
      const refused = execArgv && attempt < 3 ? refusedFlags(error) : undefined;
      if (!refused) throw error;
      const kept: string[] = [];
      for (let i = 0; i < execArgv!.length; i++) {
        if (!refused.has(execArgv![i]!)) kept.push(execArgv![i]!);
        else while (i + 1 < execArgv!.length && !execArgv![i + 1]!.startsWith("-")) i++; // and its value
      }
      execArgv = kept;
    }
  }
}

/** One worker thread and the job it holds. */
class WorkerSlot implements ExecutionSlot<Job, JobResult> {
  alive = true;
  readonly worker: Worker;
  private current: { id: number; resolve: (r: JobResult) => void; reject: (e: unknown) => void } | null = null;
  private nextId = 1;
  private readonly onDeath: (slot: WorkerSlot) => void;

  private constructor(worker: Worker, onDeath: (slot: WorkerSlot) => void) {
    this.worker = worker;
    this.onDeath = onDeath;
  }

  /**
   * Starts a worker and waits until its session is loaded. `hold` says whether the worker may keep the
   * process alive (checked when it is created and when it is ready; the owner re-applies it on changes).
   */
  static start(
    init: WorkerInit,
    options: WorkerBackendOptions,
    onDeath: (slot: WorkerSlot) => void,
    hold: { starting: boolean; ready: () => boolean; created?: (worker: Worker) => void },
  ): Promise<{ slot: WorkerSlot; ready: Extract<FromWorker, { type: "ready" }> }> {
    let worker: Worker;
    try {
      const { source, eval: isEval } = workerSource();
      worker = newWorker(source, { eval: isEval, workerData: init, ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}) });
    } catch (error) {
      // Rejected, not thrown: a replacement is started from a dying worker's 'exit' handler.
      return Promise.reject(error instanceof ModelLoadError || error instanceof InferenceError ? error : new ModelLoadError(init.directory, `cannot start an inference worker (${(error as Error)?.message ?? String(error)})`, { cause: error }));
    }
    if (!hold.starting) worker.unref();
    hold.created?.(worker);
    const slot = new WorkerSlot(worker, onDeath);
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on("message", (message: FromWorker) => {
        if (!started) {
          if (message.type === "ready") {
            started = true;
            if (hold.ready()) worker.ref();
            else worker.unref();
            resolve({ slot, ready: message });
          } else if (message.type === "init-error") {
            started = true;
            slot.alive = false;
            void worker.terminate();
            reject(deserializeError(message.error));
          }
          return;
        }
        slot.receive(message);
      });
      const failStart = (detail: string) => {
        started = true;
        slot.alive = false;
        reject(new ModelLoadError(init.directory, `the inference worker ${detail} while loading the model`));
      };
      worker.on("error", (error) => {
        if (!started) return failStart(`failed (${error.message})`);
        slot.die(`error: ${error.message}`, error);
      });
      worker.on("exit", (code) => {
        if (!started) return failStart(`exited with code ${code}`);
        slot.die(`exit code ${code}`);
      });
    });
  }

  execute(job: Job): Promise<JobResult> {
    return new Promise((resolve, reject) => {
      if (!this.alive) return reject(new WorkerCrashedError("the worker had already exited"));
      const id = this.nextId++;
      this.current = { id, resolve, reject };
      if (job.kind === "run") {
        const { inputs } = job;
        const transfer = Object.values(inputs.tensors).map((t) => t.buffer as ArrayBuffer);
        const message: ToWorker = { type: "run", id, batchSize: inputs.batchSize, sequenceLength: inputs.sequenceLength, tensors: inputs.tensors };
        this.worker.postMessage(message, transfer);
      } else {
        const message: ToWorker = { type: "prepare", id, documents: job.request.documents, ...(job.request.segmentation ? { segmentation: job.request.segmentation } : {}) };
        this.worker.postMessage(message);
      }
    });
  }

  private receive(message: FromWorker): void {
    const current = this.current;
    if (!current || !("id" in message) || message.id !== current.id) return;
    this.current = null;
    if (message.type === "result") current.resolve({ pruningLogits: message.pruningLogits, rankingLogits: message.rankingLogits });
    else if (message.type === "prepared") current.resolve(message.documents);
    else if (message.type === "error") current.reject(deserializeError(message.error));
  }

  private die(detail: string, cause?: unknown): void {
    if (!this.alive) return;
    this.alive = false;
    const current = this.current;
    this.current = null;
    current?.reject(new WorkerCrashedError(detail, { cause }));
    this.onDeath(this);
  }

  /** Ends the thread (dispose); the job it held, if any, rejects. */
  async stop(): Promise<void> {
    const current = this.current;
    this.alive = false;
    this.current = null;
    current?.reject(new InferenceError("The model has been released (dispose() was called)."));
    await this.worker.terminate();
  }
}

/** Worker-thread backend; create it with {@link WorkerBackend.start}. */
export class WorkerBackend implements InferenceBackend {
  readonly info: BackendInfo;
  private readonly queue: JobQueue<Job, JobResult>;
  private readonly slots = new Set<WorkerSlot>();
  private readonly init: WorkerInit;
  private readonly options: WorkerBackendOptions;
  private disposed = false;
  /** Consecutive replacements that failed to start: stop retrying after a few (the folder may be gone). */
  private failedRestarts = 0;
  /** Every worker thread not yet exited, live or still loading (each is ref'd exactly while the queue is busy). */
  private readonly threadsHeld = new Set<Worker>();
  /** The pending restart after a failed replacement, ref'd like the workers. */
  private restartTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(init: WorkerInit, options: WorkerBackendOptions, info: BackendInfo) {
    this.init = init;
    this.options = options;
    this.info = info;
    this.queue = new JobQueue({ maxQueued: options.maxQueuedBatches ?? 1024, onBusyChange: (busy) => this.hold(busy) });
  }

  /** Lets the workers keep the process alive (a call waits or runs) or not (idle). */
  private hold(busy: boolean): void {
    for (const worker of this.threadsHeld) {
      if (busy) worker.ref();
      else worker.unref();
    }
    if (busy) this.restartTimer?.ref();
    else this.restartTimer?.unref();
  }

  private track(worker: Worker): void {
    this.threadsHeld.add(worker);
    worker.once("exit", () => this.threadsHeld.delete(worker));
  }

  /** Starts the workers and waits until every one has loaded the model (load errors reject here). */
  static async start(directory: string, runtime: RuntimeOptions = {}, options: WorkerBackendOptions = {}): Promise<WorkerBackend> {
    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) throw new ModelLoadError(directory, `workers must be a positive integer (got ${String(workers)})`);
    const init: WorkerInit = { directory, runtime: withWorkerThreads(runtime, workers) };
    let backend: WorkerBackend | undefined;
    const onDeath = (slot: WorkerSlot) => backend?.replace(slot);
    // While loading, the caller awaits load(): the workers hold the process. Once ready they are idle.
    const hold = { starting: true, ready: () => backend?.queue.isBusy ?? false };
    const started = await Promise.allSettled(Array.from({ length: workers }, () => WorkerSlot.start(init, options, onDeath, hold)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) {
      await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.slot.stop() : undefined)));
      throw failed.reason;
    }
    const ready = (started[0] as PromiseFulfilledResult<{ slot: WorkerSlot; ready: Extract<FromWorker, { type: "ready" }> }>).value.ready;
    backend = new WorkerBackend(init, options, { kind: "worker", inputNames: ready.inputNames as ModelInputName[], hasRankingOutput: ready.hasRankingOutput, parallelism: workers });
    for (const s of started) {
      const { slot } = (s as PromiseFulfilledResult<{ slot: WorkerSlot }>).value;
      backend.track(slot.worker);
      backend.slots.add(slot);
      backend.queue.addSlot(slot);
    }
    return backend;
  }

  /** The live worker threads (for monitoring; terminating one is treated as a crash and it is replaced). */
  get threads(): readonly Worker[] {
    return [...this.slots].filter((s) => s.alive).map((s) => s.worker);
  }

  run(inputs: ModelInputs, options: RunOptions = {}): Promise<BatchOutput> {
    return this.queue.submit({ kind: "run", inputs }, options.signal) as Promise<BatchOutput>;
  }

  prepare(request: PrepareRequest, options: RunOptions = {}): Promise<PackedPreparation[]> {
    return this.queue.submit({ kind: "prepare", request }, options.signal) as Promise<PackedPreparation[]>;
  }

  stats(): BackendStats {
    return { queued: this.queue.queued, inFlight: this.queue.inFlight };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.queue.dispose();
    await Promise.all([...this.slots].map((s) => s.stop()));
    this.slots.clear();
  }

  private replace(dead: WorkerSlot): void {
    this.slots.delete(dead);
    this.restartTimer = undefined;
    if (this.disposed) return;
    // A replacement holds the process only while calls wait for it.
    const hold = { starting: this.queue.isBusy, ready: () => this.queue.isBusy, created: (worker: Worker) => this.track(worker) };
    WorkerSlot.start(this.init, this.options, (slot) => this.replace(slot), hold).then(
      ({ slot }) => {
        this.failedRestarts = 0;
        if (this.disposed) return void slot.stop();
        this.slots.add(slot);
        this.queue.addSlot(slot);
      },
      (error: unknown) => {
        this.failedRestarts++;
        // No worker left and none can start: fail what waits, and what comes, instead of letting it hang.
        if (this.failedRestarts >= 3 && [...this.slots].every((s) => !s.alive)) {
          this.queue.dispose(() => new InferenceError(`every inference worker died and none could be restarted (${(error as Error).message}); load the model again`, { cause: error }));
        }
        else if (!this.disposed) {
          this.restartTimer = setTimeout(() => this.replace(dead), 100 * this.failedRestarts);
          if (!this.queue.isBusy) this.restartTimer.unref();
        }
      },
    );
  }
}
