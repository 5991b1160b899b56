/**
 * The optional `sentence_index` input: fed exactly from the packed sentences (0-based within each block,
 * fragments of one sentence sharing an index, −1 elsewhere), by every backend. The sentence-echo graph
 * turns the index into the keep logit, so the sentence scores reveal what was fed.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";

import { sigmoid } from "../pipeline/aggregation.js";
import { SemanticHighlighter } from "../highlighter.js";
import { repoRoot } from "../test-support/models.js";
import { startKServeServer } from "./kserve-server.js";

const echo = path.join(repoRoot, "models/test/sentence-echo");
// Token counts (tiny-xlmr tokenizer): query 2; sentences 7, 13, 7, 18.
const sentences = ["Normandy is a region. ", "The Normans came from Denmark and Norway. ", "Rollo led them. ", "They settled there in the tenth century and gave the region its name. "];
// maxLength 24 → 18 context tokens per block; fragments of at most 8 tokens:
//   block 1: s0 (7) + s1[0:8]          → s0 = 0, s1 = 1
//   block 2: s1[8:13] + s2 (7)         → s1 = 0, s2 = 1
//   block 3: s3[0:8] + s3[8:16] + s3[16:18] → s3 = 0 (three fragments, one index)
const expectedScores = [sigmoid(0), (sigmoid(1) + sigmoid(0)) / 2, sigmoid(1), sigmoid(0)];

describe("sentence_index input", () => {
  it("is declared by the graph and fed per block by the in-process, worker and remote backends", async () => {
    const server = await startKServeServer(echo);
    const backends = ["in-process", "worker", { kind: "remote" as const, url: server.url, model: "sentence-echo" }] as const;
    for (const backend of backends) {
      const h = await SemanticHighlighter.load(echo, { backend, shareSession: false });
      expect(h.backend.info.inputNames).toEqual(["input_ids", "attention_mask", "sentence_index"]);
      expect(sentences.map((s) => h.tokenizer.encode(s).length)).toEqual([7, 13, 7, 18]);
      const result = await h.highlightOne("Who?", { sentences }, { maxLength: 24, fragmentLength: 8 });
      expect(result.blocks).toBe(3);
      result.sentenceScores.forEach((score, i) => expect(score).toBeCloseTo(expectedScores[i]!, 6));
      expect(result.rankingLogit).toBe(1);
      await h.dispose();
    }
    await server.close();
  });
});
