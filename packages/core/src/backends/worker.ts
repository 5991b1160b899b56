/**
 * The worker backend (the library default in Node): N worker threads, each with its own onnxruntime
 * session of the same model folder, behind one bounded queue. Batches and logits cross threads as
 * transferred ArrayBuffers (moved, not copied). Segmentation and tokenization of big calls run in the
 * workers too, so the caller's event loop only packs batches and assembles results.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

import { InferenceError, ModelLoadError, WorkerCrashedError } from "../errors.js";
import type { PackedPreparation } from "../preparation.js";
import type { RuntimeOptions } from "../runtime.js";
import { JobQueue, type ExecutionSlot } from "./queue.js";
import type { BackendInfo, BackendStats, BatchOutput, InferenceBackend, ModelInputName, ModelInputs, PrepareRequest, RunOptions } from "./types.js";
import { deserializeError, type FromWorker, type ToWorker, type WorkerInit } from "./worker-protocol.js";

/** Options of the worker backend. */
export interface WorkerBackendOptions {
  /**
   * Worker threads, each with its own session (memory: one copy of the weights each). Default 1, which
   * already uses every core through onnxruntime's intra-op threads. With more, each worker gets
   * cores / workers intra-op threads unless `runtime.intraOpNumThreads` says otherwise
   * ({@link withWorkerThreads}); more workers only pay off with many cores and concurrent calls.
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

  /** Starts a worker and waits until its session is loaded. */
  static start(init: WorkerInit, options: WorkerBackendOptions, onDeath: (slot: WorkerSlot) => void): Promise<{ slot: WorkerSlot; ready: Extract<FromWorker, { type: "ready" }> }> {
    const { source, eval: isEval } = workerSource();
    const worker = new Worker(source, { eval: isEval, workerData: init, ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}) });
    const slot = new WorkerSlot(worker, onDeath);
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on("message", (message: FromWorker) => {
        if (!started) {
          if (message.type === "ready") {
            started = true;
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

  private constructor(init: WorkerInit, options: WorkerBackendOptions, info: BackendInfo) {
    this.init = init;
    this.options = options;
    this.info = info;
    this.queue = new JobQueue({ maxQueued: options.maxQueuedBatches ?? 1024 });
  }

  /** Starts the workers and waits until every one has loaded the model (load errors reject here). */
  static async start(directory: string, runtime: RuntimeOptions = {}, options: WorkerBackendOptions = {}): Promise<WorkerBackend> {
    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) throw new ModelLoadError(directory, `workers must be a positive integer (got ${String(workers)})`);
    const init: WorkerInit = { directory, runtime: withWorkerThreads(runtime, workers) };
    let backend: WorkerBackend | undefined;
    const onDeath = (slot: WorkerSlot) => backend?.replace(slot);
    const started = await Promise.allSettled(Array.from({ length: workers }, () => WorkerSlot.start(init, options, onDeath)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) {
      await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.slot.stop() : undefined)));
      throw failed.reason;
    }
    const ready = (started[0] as PromiseFulfilledResult<{ slot: WorkerSlot; ready: Extract<FromWorker, { type: "ready" }> }>).value.ready;
    backend = new WorkerBackend(init, options, { kind: "worker", inputNames: ready.inputNames as ModelInputName[], hasRankingOutput: ready.hasRankingOutput, parallelism: workers });
    for (const s of started) {
      const { slot } = (s as PromiseFulfilledResult<{ slot: WorkerSlot }>).value;
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
    this.queue.dispose();
    await Promise.all([...this.slots].map((s) => s.stop()));
    this.slots.clear();
  }

  private replace(dead: WorkerSlot): void {
    this.slots.delete(dead);
    if (this.disposed) return;
    WorkerSlot.start(this.init, this.options, (slot) => this.replace(slot)).then(
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
        else if (!this.disposed) setTimeout(() => this.replace(dead), 100 * this.failedRestarts).unref();
      },
    );
  }
}
