/**
 * Input guards, option rigor, abort and lifecycle of the pipeline (issue 12, defects 1–7 and 9). Uses the
 * token-wise test model in-process, and a controllable fake backend where timing matters.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { BatchOutput, InferenceBackend, ModelInputs, RunOptions } from "../backends/types.js";
import { AbortError, InferenceError, InvalidInputError, ModelLoadError, QueryTooLongError, SemanticHighlightError } from "../errors.js";
import { SemanticHighlighter } from "../highlighter.js";
import { loadModelFiles } from "../models/model-folder.js";
import { HighlightPipeline, minimumContextTokens } from "./pipeline.js";
import { corruptWeightsFile } from "../test-support/corrupt-weights.js";
import { copyModel, repoRoot, testModels } from "../test-support/models.js";
import type { HighlightOptions } from "./types.js";

let highlighter: SemanticHighlighter;
beforeAll(async () => {
  highlighter = await SemanticHighlighter.load(testModels.tokenwise, { backend: "in-process", shareSession: false });
});
afterAll(() => highlighter.dispose());

const DOC = "Normandy is a region in France. The Normans gave it their name. Rollo was their first leader.";

/** A backend whose batches finish only when the test says so (or never). */
class ManualBackend implements InferenceBackend {
  readonly info = { kind: "in-process" as const, inputNames: ["input_ids", "attention_mask"] as const, hasRankingOutput: false, parallelism: 1 };
  runs = 0;
  private pending: { inputs: ModelInputs; resolve: (o: BatchOutput) => void }[] = [];
  run(inputs: ModelInputs, _options?: RunOptions): Promise<BatchOutput> {
    this.runs++;
    return new Promise((resolve) => this.pending.push({ inputs, resolve }));
  }
  finishAll(): void {
    for (const { inputs, resolve } of this.pending.splice(0)) {
      resolve({ pruningLogits: new Float32Array(inputs.batchSize * inputs.sequenceLength * 2), rankingLogits: null });
    }
  }
  async dispose(): Promise<void> {}
}

async function manualPipeline(): Promise<{ pipeline: HighlightPipeline; backend: ManualBackend }> {
  const files = await loadModelFiles(testModels.tokenwise);
  const backend = new ManualBackend();
  return { pipeline: new HighlightPipeline({ config: files.config, tokenizer: files.tokenizer, backend }), backend };
}

async function errorOf(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("defect 1: a long query cannot multiply the compute", () => {
  it("refuses a query that leaves less than the minimum context per block, with a typed error that says why", async () => {
    const maxLength = 128;
    const min = minimumContextTokens(maxLength, 4);
    expect(min).toBe(32);
    const longQuery = "why is the sky blue on a summer afternoon ".repeat(12);
    const error = await errorOf(highlighter.highlightOne(longQuery, DOC.repeat(50), { maxLength }));
    expect(error).toBeInstanceOf(QueryTooLongError);
    expect((error as QueryTooLongError).minContextTokens).toBe(32);
    expect((error as Error).message).toMatch(/at least 32 tokens of document context/);
  });

  it("still accepts a query that leaves exactly the minimum", async () => {
    const maxLength = 128;
    const tokens = (q: string) => highlighter.tokenizer.encode(q).length;
    let query = "why";
    while (tokens(`${query} why`) <= maxLength - 4 - 32) query += " why";
    expect(128 - 4 - tokens(query)).toBeGreaterThanOrEqual(32);
    const result = await highlighter.highlightOne(query, DOC, { maxLength });
    expect(result.sentences.length).toBe(3);
  });

  it("keeps small block lengths usable (the minimum is at most half of the room)", () => {
    expect(minimumContextTokens(24, 4)).toBe(10);
    expect(minimumContextTokens(512, 4)).toBe(128);
    expect(minimumContextTokens(8192, 4)).toBe(2048);
  });
});

describe("defect 2: non-finite model outputs", () => {
  it("a model whose weights are corrupted with NaN fails with InferenceError, not silent NaN scores", async () => {
    const folder = copyModel(testModels.tinyXlmr);
    // Written from TypeScript at test time (no python3-onnx needed), so this runs wherever the suite runs.
    expect(corruptWeightsFile(path.join(folder, "model.onnx"))).toBeGreaterThan(10);
    const broken = await SemanticHighlighter.load(folder, { backend: "in-process", shareSession: false });
    try {
      const error = await errorOf(broken.highlightOne("What is Normandy?", DOC));
      expect(error).toBeInstanceOf(InferenceError);
      expect((error as Error).message).toMatch(/non-finite/);
    } finally {
      await broken.dispose();
    }
  });
});

describe("defect 3: abort", () => {
  it("rejects at once when aborted while its last batch is queued, and resolves nothing later", async () => {
    const { pipeline, backend } = await manualPipeline();
    const controller = new AbortController();
    const pending = pipeline.highlight("Who gave their name to Normandy?", [DOC], { signal: controller.signal });
    while (backend.runs === 0) await new Promise((r) => setTimeout(r, 1));
    const started = performance.now();
    controller.abort(new Error("user left"));
    const error = await errorOf(pending);
    expect(error).toBeInstanceOf(AbortError);
    expect(performance.now() - started).toBeLessThan(50);
    backend.finishAll(); // the abandoned batch finishing later changes nothing
  });

  it("a timeout rejects while the batch is still running", async () => {
    const { pipeline } = await manualPipeline();
    const error = await errorOf(pipeline.highlight("q?", [DOC], { timeoutMs: 20 }));
    expect((error as SemanticHighlightError).code).toBe("TIMEOUT");
  });
});

describe("defect 4: every error is typed", () => {
  it.each([
    ["maxSentenceChars 0", { maxSentenceChars: 0 }],
    ["an invalid locale", { locale: "not a locale!!" }],
    ["a non-object", "en" as unknown],
  ])("segmentation with %s → InvalidInputError", async (_label, segmentation) => {
    const error = await errorOf(highlighter.highlightOne("q?", DOC, { segmentation } as HighlightOptions));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/segmentation/);
  });

  it.each([null, 3, "fast", [1]])("options %j → InvalidInputError", async (options) => {
    expect(await errorOf(highlighter.highlight("q?", [DOC], options as unknown as HighlightOptions))).toBeInstanceOf(InvalidInputError);
  });
});

describe("defect 5: strict options", () => {
  it.each([
    ["thresold", "threshold"],
    ["top_k", "topK"],
    ["keep_first", "keepFirst"],
    ["batchsize", "batchSize"],
  ])("refuses the unknown option %s and suggests %s", async (wrong, right) => {
    const error = await errorOf(highlighter.highlightOne("q?", DOC, { [wrong]: 1 } as HighlightOptions));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain(`"${wrong}"`);
    expect((error as Error).message).toContain(`did you mean "${right}"`);
  });

  it("refuses an unknown option in the load defaults too", async () => {
    await expect(SemanticHighlighter.load(testModels.tokenwise, { backend: "in-process", defaults: { thresold: 0.2 } as HighlightOptions })).rejects.toThrow(/did you mean "threshold"/);
  });

  it.each([
    ["sortByRerankScore", "no"],
    ["keepFirst", "yes"],
    ["keepFirst", 1],
  ])("refuses %s: %j (booleans must be booleans)", async (key, value) => {
    const error = await errorOf(highlighter.highlight("q?", [DOC], { [key]: value } as HighlightOptions));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(new RegExp(`${key} must be true or false`));
  });

  it.each(["topK", "threshold", "neighbors", "batchSize", "maxLength"])("says a numeric %s got a string", async (key) => {
    const error = await errorOf(highlighter.highlight("q?", [DOC], { [key]: "3" } as HighlightOptions));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain('the string "3"');
  });

  it("refuses a signal that is not an AbortSignal, a bad timeout and a maxLength without room", async () => {
    expect(await errorOf(highlighter.highlight("q?", [DOC], { signal: { aborted: false } as AbortSignal }))).toBeInstanceOf(InvalidInputError);
    expect(await errorOf(highlighter.highlight("q?", [DOC], { timeoutMs: -1 }))).toBeInstanceOf(InvalidInputError);
    const error = await errorOf(highlighter.highlight("q?", [DOC], { maxLength: 2 }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/maxLength must be an integer between 6/);
  });

  it("refuses an unknown rerankScoreSource", async () => {
    await expect(highlighter.highlight("q?", [DOC], { rerankScoreSource: "best" as "head" })).rejects.toThrow(/rerankScoreSource must be "head" or "max-sentence"/);
  });
});

describe("defect 6: sparse arrays", () => {
  it("refuses a sparse documents array, naming the hole", async () => {
    const docs = new Array<string>(2);
    docs[1] = DOC;
    const error = await errorOf(highlighter.highlight("q?", docs));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/documents\[0\] is missing/);
  });

  it("refuses sparse pre-split sentences instead of joining the holes as empty strings", async () => {
    const sentences = new Array<string>(3);
    sentences[0] = "One. ";
    sentences[2] = "Three.";
    const error = await errorOf(highlighter.highlight("q?", [{ sentences }]));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/documents\[0\]\.sentences\[1\] is missing/);
  });
});

describe("defect 7: a mistyped local path never goes to the hub", () => {
  it("reports a missing folder when the parent folder exists, without network", async () => {
    expect(existsSync(path.join(repoRoot, "models"))).toBe(true);
    const cwd = process.cwd();
    process.chdir(repoRoot);
    try {
      const started = Date.now();
      const error = await errorOf(SemanticHighlighter.load("models/defualt", { hub: { hubUrl: "http://127.0.0.1:9", offline: false } }));
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as Error).message).toMatch(/does not exist/);
      expect((error as Error).message).toMatch(/hf:models\/defualt/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("defect 9: use after dispose", () => {
  it("rejects even when every document is empty (no model work needed)", async () => {
    const own = await SemanticHighlighter.load(testModels.tokenwise, { backend: "in-process", shareSession: false });
    await own.dispose();
    expect(await errorOf(own.highlight("q?", ["", "  "]))).toBeInstanceOf(InferenceError);
    expect(await errorOf(own.highlight("q?", []))).toBeInstanceOf(InferenceError);
  });
});

describe("rerank score source", () => {
  it('"max-sentence" gives the best sentence score; "head" the ranking head; the config sets the default', async () => {
    const head = await highlighter.highlightOne("Who gave their name to Normandy?", DOC, { threshold: 0 });
    const best = await highlighter.highlightOne("Who gave their name to Normandy?", DOC, { threshold: 0, rerankScoreSource: "max-sentence" });
    expect(head.rerankScore).toBeCloseTo(1 / (1 + Math.exp(-head.rankingLogit!)), 6);
    expect(best.rerankScore).toBe(Math.max(...best.sentenceScores));
    expect(best.rankingLogit).toBe(head.rankingLogit);
    expect(best.rerankScore).not.toBeCloseTo(head.rerankScore, 6);

    const folder = copyModel(testModels.tokenwise);
    const configFile = path.join(folder, "highlight_config.json");
    const { readFileSync, writeFileSync } = await import("node:fs");
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, "utf8")), rerank_score_source: "max-sentence" }));
    const configured = await SemanticHighlighter.load(folder, { backend: "in-process", shareSession: false });
    try {
      expect(configured.config.rerankScoreSource).toBe("max-sentence");
      const fromConfig = await configured.highlightOne("Who gave their name to Normandy?", DOC, { threshold: 0 });
      expect(fromConfig.rerankScore).toBe(best.rerankScore);
      const overridden = await configured.highlightOne("Who gave their name to Normandy?", DOC, { threshold: 0, rerankScoreSource: "head" });
      expect(overridden.rerankScore).toBe(head.rerankScore);
    } finally {
      await configured.dispose();
    }
    expect(readdirSync(folder)).toContain("model.onnx");
  });
});
