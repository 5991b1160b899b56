/**
 * Entry file of one inference worker thread: loads its own session and tokenizer from the model folder,
 * then runs batches and prepares documents on request. Built as its own file (dist/worker-entry.js).
 */
import { parentPort, workerData } from "node:worker_threads";

import { loadModelFolder, type LoadedModel } from "../models/model-folder.js";
import { packPreparation, prepareDocument } from "../pipeline/preparation.js";
import { serializeError, type FromWorker, type ToWorker, type WorkerInit } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("worker-entry must run in a worker thread");

const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function handle(model: LoadedModel, message: ToWorker): Promise<void> {
  try {
    if (message.type === "run") {
      const output = await model.session.run({ batchSize: message.batchSize, sequenceLength: message.sequenceLength, tensors: message.tensors });
      // The output buffers belong to this run: move them to the caller instead of copying.
      const transfer: ArrayBuffer[] = [];
      for (const logits of [output.pruningLogits, output.rankingLogits]) {
        if (logits && !transfer.includes(logits.buffer as ArrayBuffer)) transfer.push(logits.buffer as ArrayBuffer);
      }
      post({ type: "result", id: message.id, pruningLogits: output.pruningLogits, rankingLogits: output.rankingLogits }, transfer);
    } else {
      const documents = message.documents.map((source) => {
        const prepared = prepareDocument(source, model.tokenizer, message.segmentation);
        return packPreparation(prepared.spans, prepared.tokenIds);
      });
      const transfer = documents.flatMap((d) => [d.ends.buffer, d.tokenOffsets.buffer, d.tokenIds.buffer] as ArrayBuffer[]);
      post({ type: "prepared", id: message.id, documents }, transfer);
    }
  } catch (error) {
    post({ type: "error", id: message.id, error: serializeError(error) });
  }
}

const init = workerData as WorkerInit;
loadModelFolder(init.directory, init.runtime).then(
  (model) => {
    port.on("message", (message: ToWorker) => void handle(model, message));
    post({ type: "ready", inputNames: [...model.session.inputNames], hasRankingOutput: model.session.rankingOutput !== null });
  },
  (error: unknown) => post({ type: "init-error", error: serializeError(error) }),
);
