/**
 * Cancellation, option rigor and typed errors of the LlamaIndex postprocessor (issue 12, defects 3–6).
 */
import { fileURLToPath } from "node:url";
import { MetadataMode, TextNode, type NodeWithScore } from "@llamaindex/core/schema";
import { AbortError, InvalidInputError, SemanticHighlighter } from "@semantic-highlight/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SemanticHighlightPostprocessor } from "./index.js";

const MODEL = fileURLToPath(new URL("../../../models/test/tokenwise", import.meta.url));
const QUERY = "Who gave their name to Normandy?";
const nodes = (): NodeWithScore[] => [
  { node: new TextNode({ id_: "a", text: "Normandy is a region in France. The Normans gave it their name. Rollo was their leader." }), score: 0.5 },
  { node: new TextNode({ id_: "b", text: "Photosynthesis turns light into energy. It happens in chloroplasts." }), score: 0.9 },
];

let highlighter: SemanticHighlighter;
beforeAll(async () => {
  highlighter = await SemanticHighlighter.load(MODEL, { backend: "in-process" });
});
afterAll(() => highlighter.dispose());

describe("SemanticHighlightPostprocessor cancellation", () => {
  it("honours a signal: an aborted signal rejects with AbortError", async () => {
    const controller = new AbortController();
    controller.abort(new Error("user left"));
    const postprocessor = new SemanticHighlightPostprocessor({ highlighter, signal: controller.signal });
    await expect(postprocessor.postprocessNodes(nodes(), QUERY)).rejects.toBeInstanceOf(AbortError);
  });

  it("takes a per-request signal through withOptions, sharing the highlighter", async () => {
    const base = new SemanticHighlightPostprocessor({ highlighter, threshold: 0 });
    const controller = new AbortController();
    const pending = base.withOptions({ signal: controller.signal }).postprocessNodes(nodes(), QUERY);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(await base.postprocessNodes(nodes(), QUERY)).toHaveLength(2);
  });

  it("passes timeoutMs on to every highlight call, and refuses a bad one at construction", async () => {
    const seen: unknown[] = [];
    const spy = Object.assign(Object.create(highlighter) as SemanticHighlighter, {
      highlight: (q: string, d: string[], o: object) => (seen.push(o), highlighter.highlight(q, d, o)),
    });
    await new SemanticHighlightPostprocessor({ highlighter: spy, timeoutMs: 5000 }).postprocessNodes(nodes(), QUERY);
    expect(seen).toEqual([expect.objectContaining({ timeoutMs: 5000 })]);
    expect(() => new SemanticHighlightPostprocessor({ highlighter, timeoutMs: -1 })).toThrow(InvalidInputError);
  });
});

describe("SemanticHighlightPostprocessor metadata keys", () => {
  it("refuses metadataKey __proto__ and Object.prototype names at construction and in withOptions", () => {
    for (const metadataKey of ["__proto__", "constructor", "prototype", "toString"]) {
      expect(() => new SemanticHighlightPostprocessor({ highlighter, metadataKey }), metadataKey).toThrow(InvalidInputError);
      expect(() => new SemanticHighlightPostprocessor({ highlighter }).withOptions({ metadataKey }), metadataKey).toThrow(/choose another key/);
    }
  });

  it("keeps an own __proto__ key of JSON-parsed metadata as data: the returned metadata's prototype is untouched", async () => {
    const metadata = JSON.parse('{"source":"a","__proto__":{"isAdmin":true}}') as Record<string, unknown>;
    const input: NodeWithScore[] = [{ node: new TextNode({ id_: "a", text: nodes()[0]!.node.getContent(MetadataMode.NONE), metadata }), score: 0.5 }];
    const [out] = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0 }).postprocessNodes(input, QUERY);
    const copy = out!.node.metadata;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy.isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).toEqual({ isAdmin: true });
    expect(copy.highlight).toBeDefined();
  });
});

describe("SemanticHighlightPostprocessor option rigor", () => {
  it("validates every core option at construction (batchSize 0, maxLength, segmentation, booleans, strings)", () => {
    for (const bad of [
      { batchSize: 0 },
      { maxLength: 2 },
      { fragmentLength: 0 },
      { segmentation: { maxSentenceChars: 0 } },
      { segmentation: { locale: "not a locale!!" } },
      { keepFirst: "yes" },
      { topK: "3" },
      { signal: "stop" },
    ]) {
      expect(() => new SemanticHighlightPostprocessor({ highlighter, ...(bad as object) })).toThrow(InvalidInputError);
    }
    expect(() => new SemanticHighlightPostprocessor({ highlighter, topK: "3" } as never)).toThrow(/the string "3"/);
  });

  it("refuses unknown option names with a suggestion, in the constructor and in fromModel", async () => {
    expect(() => new SemanticHighlightPostprocessor({ highlighter, thresold: 0.3 } as never)).toThrow(/"thresold" — did you mean "threshold"/);
    expect(() => new SemanticHighlightPostprocessor({ highlighter, top_n: 3 } as never)).toThrow(/did you mean "topN"/);
    expect(() => new SemanticHighlightPostprocessor({ highlighter, sortByRerankScore: true } as never)).toThrow(InvalidInputError);
    await expect(SemanticHighlightPostprocessor.fromModel(MODEL, { backend: "in-process", top_k: 2 } as never)).rejects.toThrow(/did you mean "topK"/);
  });

  it("refuses a sparse nodes array instead of dropping the hole silently", async () => {
    const sparse = new Array<NodeWithScore>(2);
    sparse[1] = nodes()[0]!;
    await expect(new SemanticHighlightPostprocessor({ highlighter }).postprocessNodes(sparse, QUERY)).rejects.toThrow(/nodes\[0\] is missing/);
  });
});

describe("SemanticHighlightPostprocessor rerank score source", () => {
  it("orders and scores nodes by the chosen rerank score source", async () => {
    for (const rerankScoreSource of ["head", "max-sentence"] as const) {
      const out = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, rerankScoreSource }).postprocessNodes(nodes(), QUERY);
      const direct = await highlighter.highlight(QUERY, nodes().map((n) => (n.node as TextNode).text), { threshold: 0, rerankScoreSource });
      const expected = [...direct.results].sort((a, b) => b.rerankScore - a.rerankScore || a.documentIndex - b.documentIndex);
      expect(out.map((n) => n.score)).toEqual(expected.map((r) => r.rerankScore));
    }
  });
});

describe("SemanticHighlightPostprocessor contextBudget", () => {
  it("keeps at most contextBudget tokens over all nodes, in the configured order", async () => {
    const total = (out: NodeWithScore[]) => out.reduce((a, n) => a + (n.node.metadata.highlight as { compression: { tokensAfter: number } }).compression.tokensAfter, 0);
    const all = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0 }).postprocessNodes(nodes(), QUERY);
    expect(total(all)).toBeGreaterThan(12);
    for (const order of ["rerank", "retrieval"] as const) {
      const out = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, contextBudget: 12, order }).postprocessNodes(nodes(), QUERY);
      expect(out.length).toBeGreaterThan(0);
      expect(total(out)).toBeLessThanOrEqual(12);
      for (const n of out) expect((n.node as TextNode).text).toBe((n.node.metadata.highlight as { keptSentences: { text: string }[] }).keptSentences.map((s) => s.text).join(""));
      if (order === "retrieval") expect(out.map((n) => n.node.id_)).toEqual([...out.map((n) => n.node.id_)].sort());
      else expect(out.map((n) => n.score)).toEqual([...out.map((n) => n.score!)].sort((a, b) => b - a));
    }
    expect(() => new SemanticHighlightPostprocessor({ highlighter, contextBudget: "100" as never })).toThrow(/the string "100"/);
  });
});
