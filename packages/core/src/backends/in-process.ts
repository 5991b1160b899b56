/**
 * The in-process backend: one onnxruntime-node session on the calling thread. onnxruntime-node runs
 * `session.run` synchronously on the JavaScript thread (DESIGN §8), so this blocks the event loop for each
 * batch: right for tests, the CLI and batch jobs; servers want the worker backend.
 */
import type { OnnxModelSession } from "./onnx-session.js";
import { JobQueue } from "./queue.js";
import type { BackendInfo, BackendStats, BatchOutput, InferenceBackend, ModelInputs, RunOptions } from "./types.js";

/** Options of the in-process backend. */
export interface InProcessBackendOptions {
  /** Most batches waiting for the session; beyond it calls fail with `OverloadedError`. Default 1024. */
  maxQueuedBatches?: number;
}

export class InProcessBackend implements InferenceBackend {
  readonly info: BackendInfo;
  private readonly queue: JobQueue<ModelInputs, BatchOutput>;
  private readonly session: OnnxModelSession;

  constructor(session: OnnxModelSession, options: InProcessBackendOptions = {}) {
    this.session = session;
    this.info = { kind: "in-process", inputNames: session.inputNames, hasRankingOutput: session.rankingOutput !== null, parallelism: 1 };
    this.queue = new JobQueue({ maxQueued: options.maxQueuedBatches ?? 1024 });
    this.queue.addSlot({ alive: true, execute: (inputs) => session.run(inputs) });
  }

  run(inputs: ModelInputs, options: RunOptions = {}): Promise<BatchOutput> {
    return this.queue.submit(inputs, options.signal);
  }

  stats(): BackendStats {
    return { queued: this.queue.queued, inFlight: this.queue.inFlight };
  }

  async dispose(): Promise<void> {
    this.queue.dispose();
    await this.session.release();
  }
}
