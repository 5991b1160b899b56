import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TextNode, type NodeWithScore } from "@llamaindex/core/schema";
import { InvalidInputError, SemanticHighlighter } from "@semantic-highlight/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CrossEncoderReranker } from "./index.js";

const MODELS = fileURLToPath(new URL("../../../models/test/", import.meta.url));

/** The tiny Optimum-layout reranker (tools/model/build_reranker_fixtures.py) with the tiny-xlmr tokenizer. */
function rerankerFolder(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-li-rerank-")), "reranker");
  cpSync(path.join(MODELS, "rerankers/xlmr-reranker-optimum"), dir, { recursive: true });
  for (const file of ["tokenizer.json", "tokenizer_config.json"]) cpSync(path.join(MODELS, "tiny-xlmr", file), path.join(dir, file));
  return dir;
}

const TEXTS = ["Paris is the capital of France.", "Bananas are rich in potassium.", "The Amazon rainforest is mostly in Brazil.", "Cheetahs run fast."];
const QUERY = "what is the capital of France?";

let highlighter: SemanticHighlighter;
beforeAll(async () => {
  highlighter = await SemanticHighlighter.load(rerankerFolder(), { backend: "in-process" });
});
afterAll(async () => highlighter.dispose());

describe("CrossEncoderReranker (LlamaIndex)", () => {
  it("puts the model's score on new NodeWithScore objects, best first, topN kept, nodes untouched", async () => {
    const nodes: NodeWithScore[] = TEXTS.map((text, i) => ({ node: new TextNode({ id_: `n${i}`, text, metadata: { source: `s${i}` } }), score: 1 - i / 10 }));
    const before = nodes.map((n) => ({ score: n.score, text: (n.node as TextNode).text, metadata: { ...n.node.metadata } }));
    const reranker = new CrossEncoderReranker({ highlighter, topN: 2 });
    const out = await reranker.postprocessNodes(nodes, QUERY);
    const expected = await highlighter.rerank(QUERY, TEXTS, { topN: 2 });
    expect(out.map((n) => n.node.id_)).toEqual(expected.map((r) => `n${r.documentIndex}`));
    expect(out.map((n) => n.score)).toEqual(expected.map((r) => r.score));
    for (const n of out) expect(nodes.includes(n)).toBe(false);
    expect(nodes.map((n) => ({ score: n.score, text: (n.node as TextNode).text, metadata: { ...n.node.metadata } }))).toEqual(before);
  });

  it("takes a MessageContent query and needs one", async () => {
    const reranker = new CrossEncoderReranker({ highlighter });
    const nodes = TEXTS.map((text) => ({ node: new TextNode({ text }) }));
    expect(await reranker.postprocessNodes(nodes, [{ type: "text", text: QUERY }])).toHaveLength(TEXTS.length);
    await expect(reranker.postprocessNodes(nodes)).rejects.toBeInstanceOf(InvalidInputError);
    expect(await reranker.postprocessNodes([], QUERY)).toEqual([]);
  });
});
