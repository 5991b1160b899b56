/**
 * SemanticHighlightPostprocessor against real LlamaIndex.TS objects (VectorStoreIndex, RetrieverQueryEngine,
 * a BaseRetriever subclass, MockLLM) and the tiny random-weights test model. Its scores mean nothing but are
 * deterministic, so thresholds are derived from the scores the core highlighter gives directly.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  CompletionResponse,
  LLMCompletionParamsNonStreaming,
  LLMCompletionParamsStreaming,
  MessageContent,
} from "@llamaindex/core/llms";
import { MockLLM } from "@llamaindex/core/llms/mock";
import { BaseRetriever } from "@llamaindex/core/retriever";
import type { QueryBundle } from "@llamaindex/core/query-engine";
import {
  Document,
  ImageNode,
  IndexNode,
  MetadataMode,
  NodeRelationship,
  ObjectType,
  TextNode,
  type BaseNode,
  type NodeWithScore,
} from "@llamaindex/core/schema";
import { extractText } from "@llamaindex/core/utils";
import { RetrieverQueryEngine, Settings, VectorStoreIndex } from "llamaindex";
import { InvalidInputError, SemanticHighlighter, type HighlightResult } from "@semantic-highlight/core";
import { HashingEmbedding } from "../../../examples/lib/llamaindex-hashing-embedding.js";
import { SemanticHighlightPostprocessor, type SemanticHighlightMetadata } from "./index.js";

const MODEL = fileURLToPath(new URL("../../../models/test/tiny-xlmr", import.meta.url));

/** A MockLLM that records every prompt it is given (the real MockLLM keeps none). */
class RecordingLLM extends MockLLM {
  readonly prompts: string[] = [];
  constructor() {
    super({ timeBetweenToken: 0, responseMessage: "mock answer" });
  }
  override complete(params: LLMCompletionParamsStreaming): Promise<AsyncIterable<CompletionResponse>>;
  override complete(params: LLMCompletionParamsNonStreaming): Promise<CompletionResponse>;
  override complete(
    params: LLMCompletionParamsStreaming | LLMCompletionParamsNonStreaming,
  ): Promise<AsyncIterable<CompletionResponse> | CompletionResponse> {
    this.prompts.push(extractText(params.prompt));
    return params.stream ? super.complete(params) : super.complete(params);
  }
}

/** A retriever that returns fixed nodes with fixed scores, whatever the query. */
class FixedRetriever extends BaseRetriever {
  readonly queries: string[] = [];
  constructor(private readonly nodes: readonly NodeWithScore[]) {
    super();
  }
  override async _retrieve(params: QueryBundle): Promise<NodeWithScore[]> {
    this.queries.push(extractText(params.query));
    return this.nodes.map((n) => ({ ...n }));
  }
}

const DOCS = [
  {
    text:
      "Python loops are slow because every iteration runs in the interpreter. " +
      "Use NumPy vector operations instead of explicit loops to speed up numeric code. " +
      "The Python logo shows two intertwined snakes. " +
      "Profiling with cProfile shows where the time goes.",
    metadata: { source: "python-performance.md", lang: "en" },
  },
  {
    text:
      "The Great Wall of China is thousands of kilometres long. " +
      "Construction began in the seventh century BC. " +
      "Visitors often start at Badaling near Beijing.",
    metadata: { source: "great-wall.md", lang: "en" },
  },
  {
    text: "北京是中华人民共和国的首都。故宫位于北京市中心。长城是世界上最长的建筑之一。",
    metadata: { source: "beijing.md", lang: "zh" },
  },
  {
    text:
      "Cats sleep for around fifteen hours a day. " +
      "They are crepuscular animals, most active at dawn and dusk. " +
      "A cat's whiskers help it sense its surroundings.",
    metadata: { source: "cats.md", lang: "en" },
  },
];
const QUERY = "How do I make Python code faster?";

let highlighter: SemanticHighlighter;
let llm: RecordingLLM;

beforeAll(async () => {
  highlighter = await SemanticHighlighter.load(MODEL);
  llm = new RecordingLLM();
  Settings.llm = llm;
  Settings.embedModel = new HashingEmbedding();
});

afterAll(async () => {
  await highlighter?.dispose();
});

function textNodes(): NodeWithScore[] {
  return DOCS.map((d, i) => ({
    node: new TextNode({
      id_: `node-${i}`,
      text: d.text,
      metadata: { ...d.metadata },
      excludedLlmMetadataKeys: ["lang"],
      relationships: { [NodeRelationship.SOURCE]: { nodeId: `doc-${i}`, metadata: { source: d.metadata.source } } },
    }),
    score: 0.9 - i * 0.1,
  }));
}

function textOf(node: BaseNode): string {
  return (node as TextNode).text;
}

function highlightOf(node: BaseNode, key = "highlight"): SemanticHighlightMetadata {
  return node.metadata[key] as SemanticHighlightMetadata;
}

/** Snapshot of everything a postprocessor could wrongly change on a stored node. */
function snapshot(node: BaseNode) {
  return {
    id: node.id_,
    type: node.type,
    text: textOf(node),
    metadata: structuredClone(node.metadata),
    relationships: structuredClone(node.relationships),
    excludedLlmMetadataKeys: [...node.excludedLlmMetadataKeys],
    excludedEmbedMetadataKeys: [...node.excludedEmbedMetadataKeys],
    hash: node.hash,
    embedding: node.embedding ? [...node.embedding] : undefined,
  };
}

/** Direct core results for the test nodes at threshold 0 (every sentence scored, all kept). */
async function directScores(nodes: NodeWithScore[], query = QUERY): Promise<HighlightResult[]> {
  return (await highlighter.highlight(query, nodes.map((n) => textOf(n.node)), { threshold: 0 })).results;
}

/** A threshold between the lowest and second-lowest per-node best sentence score: exactly one node is irrelevant. */
async function oneIrrelevantThreshold(nodes: NodeWithScore[]): Promise<{ threshold: number; irrelevant: number }> {
  const results = await directScores(nodes);
  const best = results.map((r) => Math.max(...r.sentenceScores));
  const order = best.map((_, i) => i).sort((a, b) => best[a]! - best[b]!);
  const low = best[order[0]!]!;
  const next = best[order[1]!]!;
  expect(next).toBeGreaterThan(low); // random weights: ties would be a surprise
  return { threshold: (low + next) / 2, irrelevant: order[0]! };
}

/** A threshold at the median sentence score: roughly half of all sentences are pruned. */
async function medianThreshold(nodes: NodeWithScore[], query = QUERY): Promise<number> {
  const scores = (await directScores(nodes, query)).flatMap((r) => r.sentenceScores).sort((a, b) => a - b);
  return scores[Math.floor(scores.length / 2)]!;
}

describe("SemanticHighlightPostprocessor in a VectorStoreIndex query engine", () => {
  it("returns pruned source nodes with highlight metadata, and the LLM sees only the pruned text", async () => {
    const documents = DOCS.map((d) => new Document({ text: d.text, metadata: { ...d.metadata } }));
    const index = await VectorStoreIndex.fromDocuments(documents);
    const retrieved = await index.asRetriever({ similarityTopK: 4 }).retrieve({ query: QUERY });
    expect(retrieved).toHaveLength(4);
    const threshold = await medianThreshold(retrieved);
    const postprocessor = new SemanticHighlightPostprocessor({ highlighter, threshold, dropIrrelevant: false });

    const plainEngine = index.asQueryEngine({ similarityTopK: 4 });
    const engine = index.asQueryEngine({ similarityTopK: 4, nodePostprocessors: [postprocessor] });
    const plain = await plainEngine.query({ query: QUERY });
    llm.prompts.length = 0;
    const response = await engine.query({ query: QUERY });
    expect(response.message.content).toBe("mock answer");

    const sources = response.sourceNodes ?? [];
    expect(sources).toHaveLength(4);
    const originals = new Map((plain.sourceNodes ?? []).map((n) => [n.node.id_, textOf(n.node)]));
    let shorter = 0;
    let prunedSentences = 0;
    for (const { node, score } of sources) {
      const original = originals.get(node.id_);
      expect(original).toBeDefined();
      const details = highlightOf(node);
      expect(details.threshold).toBe(threshold);
      expect(details.keptSentences.length).toBeGreaterThan(0);
      expect(textOf(node)).toBe(details.keptSentences.map((s) => s.text).join(""));
      for (const s of details.keptSentences) expect(original!.slice(s.start, s.end)).toBe(s.text);
      expect(score).toBe(details.rerankScore);
      if (textOf(node).length < original!.length) shorter++;
      prunedSentences += details.sentenceScores.length - details.keptSentences.length;
      // Metadata stays out of what the LLM and the embedder see.
      expect(node.excludedLlmMetadataKeys).toContain("highlight");
      expect(node.excludedEmbedMetadataKeys).toContain("highlight");
      expect(node.getContent(MetadataMode.LLM)).not.toContain("keptSentences");
      expect(node.getContent(MetadataMode.LLM)).not.toContain("[object Object]");
    }
    expect(shorter).toBeGreaterThan(0);

    // What the LLM received: every pruned node text, no sentence that was pruned away.
    const prompt = llm.prompts.join("\n");
    expect(prompt).toContain(QUERY);
    for (const { node } of sources) expect(prompt).toContain(textOf(node).trim());
    for (const { node } of sources) {
      const details = highlightOf(node);
      const original = originals.get(node.id_)!;
      // Re-derive every pruned sentence from the kept offsets: text outside the kept spans must not reach the LLM.
      let cursor = 0;
      for (const s of details.keptSentences) {
        const gap = original.slice(cursor, s.start).trim();
        if (gap) expect(prompt).not.toContain(gap);
        cursor = s.end;
      }
      const tail = original.slice(cursor).trim();
      if (tail) expect(prompt).not.toContain(tail);
    }
    expect(prunedSentences).toBeGreaterThan(0);
  });

  it("leaves the docstore and vector-store nodes untouched across two consecutive queries", async () => {
    const documents = DOCS.map((d) => new Document({ text: d.text, metadata: { ...d.metadata } }));
    const index = await VectorStoreIndex.fromDocuments(documents);
    const stored = Object.values(await index.docStore.docs());
    const retriever = index.asRetriever({ similarityTopK: 4 });
    const handedOut = (await retriever.retrieve({ query: QUERY })).map((n) => n.node);
    const before = { stored: stored.map(snapshot), handedOut: handedOut.map(snapshot) };

    const postprocessor = new SemanticHighlightPostprocessor({ highlighter, threshold: await medianThreshold(
      handedOut.map((node) => ({ node })),
    ) });
    const engine = index.asQueryEngine({ similarityTopK: 4, nodePostprocessors: [postprocessor] });
    const first = await engine.query({ query: QUERY });
    const second = await engine.query({ query: "北京的故宫在哪里？" });

    const storedAfter = Object.values(await index.docStore.docs());
    const handedOutAfter = (await retriever.retrieve({ query: QUERY })).map((n) => n.node);
    expect({ stored: storedAfter.map(snapshot), handedOut: handedOutAfter.map(snapshot) }).toEqual(before);
    // The store hands out its own objects (that is why mutation would leak); ours are new ones.
    expect(handedOutAfter[0]).toBe(handedOut[0]);
    for (const { node } of [...(first.sourceNodes ?? []), ...(second.sourceNodes ?? [])]) {
      expect(handedOut).not.toContain(node);
      expect(stored).not.toContain(node);
    }
  });
});

describe("SemanticHighlightPostprocessor in a RetrieverQueryEngine with a custom retriever", () => {
  it("prunes the retriever's nodes and passes the query through", async () => {
    const nodes = textNodes();
    const threshold = await medianThreshold(nodes);
    const retriever = new FixedRetriever(nodes);
    const postprocessor = new SemanticHighlightPostprocessor({ highlighter, threshold });
    const engine = new RetrieverQueryEngine(retriever, undefined, [postprocessor]);
    const response = await engine.query({ query: QUERY });
    expect(retriever.queries).toEqual([QUERY]);

    const direct = await postprocessor.postprocessNodes(textNodes(), QUERY);
    const sources = response.sourceNodes ?? [];
    expect(sources.map((n) => n.node.id_)).toEqual(direct.map((n) => n.node.id_));
    expect(sources.map((n) => textOf(n.node))).toEqual(direct.map((n) => textOf(n.node)));
    expect(sources.map((n) => n.score)).toEqual(direct.map((n) => n.score));
    expect(sources.length).toBeGreaterThan(0);
    for (const { node } of sources) expect(highlightOf(node).relevant).toBe(true);
  });
});

describe("SemanticHighlightPostprocessor.postprocessNodes", () => {
  it("matches a direct highlighter.highlight call (text, kept sentences, scores, compression)", async () => {
    const nodes = textNodes();
    const threshold = await medianThreshold(nodes);
    const postprocessor = new SemanticHighlightPostprocessor({ highlighter, threshold, dropIrrelevant: false, order: "retrieval" });
    const out = await postprocessor.postprocessNodes(nodes, QUERY);
    const expected = (await highlighter.highlight(QUERY, nodes.map((n) => textOf(n.node)), { threshold, minSentences: 1 })).results;
    expect(out).toHaveLength(nodes.length);
    out.forEach(({ node, score }, i) => {
      const want = expected[i]!;
      const details = highlightOf(node);
      expect(node.id_).toBe(nodes[i]!.node.id_);
      expect(textOf(node)).toBe(want.prunedText);
      expect(score).toBe(want.rerankScore);
      expect(details.sentenceScores).toEqual(want.sentenceScores);
      expect(details.compression).toEqual(want.compression);
      expect(details.rerankScore).toBe(want.rerankScore);
      expect(details.relevant).toBe(want.relevant);
      expect(details.threshold).toBe(threshold);
      expect(details.originalLength).toBe(textOf(nodes[i]!.node).length);
      expect(details.retrievalScore).toBe(nodes[i]!.score);
      expect(details.keptSentences).toEqual(
        want.keptSentences.map((s) => ({ index: s.index, text: s.text, start: s.start, end: s.end, score: s.score, keepReason: s.keepReason })),
      );
    });
  });

  it("copies metadata, relationships and node fields into a new node of the same class", async () => {
    const source = new Document({
      id_: "doc-a",
      text: DOCS[0]!.text,
      metadata: { source: "a.md", nested: { tags: ["x"] } },
      excludedLlmMetadataKeys: ["nested"],
      excludedEmbedMetadataKeys: ["source"],
      relationships: { [NodeRelationship.SOURCE]: { nodeId: "file-a", metadata: { path: "/a.md" } } },
      textTemplate: "{metadata_str}\n\n{content}",
      metadataSeparator: " | ",
      endCharIdx: DOCS[0]!.text.length,
    });
    source.startCharIdx = 0; // TextNode's constructor skips a 0 offset; a node parser sets it like this
    const index = new IndexNode({ id_: "idx", text: DOCS[1]!.text, indexId: "sub-index", startCharIdx: 7 });
    const plain = new TextNode({ id_: "plain", text: DOCS[3]!.text });
    const input: NodeWithScore[] = [{ node: source, score: 0.5 }, { node: index, score: 0.4 }, { node: plain }];
    const postprocessor = new SemanticHighlightPostprocessor({ highlighter, threshold: 0, metadataKey: "semanticHighlight", order: "retrieval" });
    const out = await postprocessor.postprocessNodes(input, QUERY);
    expect(out).toHaveLength(3);

    const [a, b, c] = out.map((n) => n.node) as [Document, IndexNode, TextNode];
    expect(a).toBeInstanceOf(Document);
    expect(a.type).toBe(ObjectType.DOCUMENT);
    expect(a).not.toBe(source);
    expect(a.id_).toBe("doc-a");
    expect(a.text).toBe(source.text); // threshold 0: every sentence kept
    expect(a.metadata.source).toBe("a.md");
    expect(a.metadata.nested).toEqual({ tags: ["x"] });
    expect(a.metadata.nested).not.toBe(source.metadata.nested);
    expect(a.metadata.semanticHighlight).toBeDefined();
    expect(a.metadata.highlight).toBeUndefined();
    expect(a.excludedLlmMetadataKeys).toEqual(["nested", "semanticHighlight"]);
    expect(a.excludedEmbedMetadataKeys).toEqual(["source", "semanticHighlight"]);
    expect(a.relationships).toEqual(source.relationships);
    expect(a.relationships[NodeRelationship.SOURCE]).not.toBe(source.relationships[NodeRelationship.SOURCE]);
    expect(a.sourceNode?.nodeId).toBe("file-a");
    expect(a.textTemplate).toBe("{metadata_str}\n\n{content}");
    expect(a.metadataSeparator).toBe(" | ");
    expect(a.startCharIdx).toBe(0);
    expect(a.endCharIdx).toBe(DOCS[0]!.text.length);
    expect(a.getContent(MetadataMode.LLM)).toBe(`source: a.md\n\n${a.text}`);
    expect(a.embedding).toBeUndefined();

    expect(b).toBeInstanceOf(IndexNode);
    expect(b.indexId).toBe("sub-index");
    expect(b.startCharIdx).toBe(7);
    expect(c).toBeInstanceOf(TextNode);
    expect(c.type).toBe(ObjectType.TEXT);
    expect(out[2]!.score).toBe(highlightOf(c, "semanticHighlight").rerankScore);
    expect(highlightOf(c, "semanticHighlight").retrievalScore).toBeNull();
    // The inputs are untouched.
    expect(source.metadata).toEqual({ source: "a.md", nested: { tags: ["x"] } });
    expect(source.excludedLlmMetadataKeys).toEqual(["nested"]);
  });

  it("orders by rerank score by default and by retrieval position with order: 'retrieval'", async () => {
    const nodes = textNodes();
    const byRerank = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0 }).postprocessNodes(nodes, QUERY);
    const rerankScores = byRerank.map((n) => highlightOf(n.node).rerankScore);
    expect(rerankScores).toEqual([...rerankScores].sort((x, y) => y - x));
    expect(byRerank.map((n) => n.score)).toEqual(rerankScores);

    const byRetrieval = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, order: "retrieval" }).postprocessNodes(nodes, QUERY);
    expect(byRetrieval.map((n) => n.node.id_)).toEqual(nodes.map((n) => n.node.id_));
    expect(new Set(byRetrieval.map((n) => n.node.id_))).toEqual(new Set(byRerank.map((n) => n.node.id_)));
  });

  it("keeps the topN nodes with the best rerank score", async () => {
    const nodes = textNodes();
    const all = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0 }).postprocessNodes(nodes, QUERY);
    const top2 = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, topN: 2 }).postprocessNodes(nodes, QUERY);
    expect(top2.map((n) => n.node.id_)).toEqual(all.slice(0, 2).map((n) => n.node.id_));
    const top2Retrieval = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, topN: 2, order: "retrieval" }).postprocessNodes(nodes, QUERY);
    const expected = all.slice(0, 2).map((n) => n.node.id_).sort((x, y) => Number(x.slice(5)) - Number(y.slice(5)));
    expect(top2Retrieval.map((n) => n.node.id_)).toEqual(expected);
  });

  it("sets NodeWithScore.score from the rerank score or keeps the retrieval score (scoreMode)", async () => {
    const nodes = textNodes();
    const rerank = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, order: "retrieval" }).postprocessNodes(nodes, QUERY);
    const retrieval = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, order: "retrieval", scoreMode: "retrieval" }).postprocessNodes(nodes, QUERY);
    expect(rerank.map((n) => n.score)).toEqual(rerank.map((n) => highlightOf(n.node).rerankScore));
    expect(retrieval.map((n) => n.score)).toEqual(nodes.map((n) => n.score));
    expect(retrieval.map((n) => highlightOf(n.node).rerankScore)).toEqual(rerank.map((n) => highlightOf(n.node).rerankScore));
  });

  it("drops a node with nothing relevant by default, and keeps it shortened with dropIrrelevant: false", async () => {
    const nodes = textNodes();
    const { threshold, irrelevant } = await oneIrrelevantThreshold(nodes);
    const irrelevantId = nodes[irrelevant]!.node.id_;

    const dropped = await new SemanticHighlightPostprocessor({ highlighter, threshold }).postprocessNodes(nodes, QUERY);
    expect(dropped).toHaveLength(nodes.length - 1);
    expect(dropped.map((n) => n.node.id_)).not.toContain(irrelevantId);

    const kept = await new SemanticHighlightPostprocessor({ highlighter, threshold, dropIrrelevant: false }).postprocessNodes(nodes, QUERY);
    expect(kept).toHaveLength(nodes.length);
    const node = kept.find((n) => n.node.id_ === irrelevantId)!;
    expect(kept.at(-1)).toBe(node); // rerank score 0 sorts last
    expect(node.score).toBe(0);
    expect(highlightOf(node.node).relevant).toBe(false);
    expect(highlightOf(node.node).keptSentences).toHaveLength(1);
    expect(highlightOf(node.node).keptSentences[0]!.keepReason).toBe("minimum");
    expect(textOf(node.node).length).toBeGreaterThan(0);

    const two = await new SemanticHighlightPostprocessor({ highlighter, threshold, dropIrrelevant: false, minSentences: 2 }).postprocessNodes(nodes, QUERY);
    expect(highlightOf(two.find((n) => n.node.id_ === irrelevantId)!.node).keptSentences).toHaveLength(2);
  });

  it("with a threshold nothing reaches, drops every node (or keeps all, shortened, with dropIrrelevant: false)", async () => {
    const nodes = textNodes();
    expect(await new SemanticHighlightPostprocessor({ highlighter, threshold: 0.999 }).postprocessNodes(nodes, QUERY)).toEqual([]);
    const kept = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0.999, dropIrrelevant: false, order: "retrieval" }).postprocessNodes(nodes, QUERY);
    expect(kept.map((n) => n.node.id_)).toEqual(nodes.map((n) => n.node.id_));
    for (const { node, score } of kept) {
      expect(score).toBe(0);
      expect(highlightOf(node).relevant).toBe(false);
      expect(highlightOf(node).keptSentences).toHaveLength(1);
    }
  });

  it("drops a relevant node of which nothing fits the tokenBudget (kept, empty, with dropIrrelevant: false)", async () => {
    const nodes = textNodes();
    expect(await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, tokenBudget: 1 }).postprocessNodes(nodes, QUERY)).toEqual([]);
    const kept = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, tokenBudget: 1, dropIrrelevant: false }).postprocessNodes(nodes, QUERY);
    expect(kept).toHaveLength(nodes.length);
    for (const { node } of kept) {
      expect(textOf(node)).toBe("");
      expect(highlightOf(node).relevant).toBe(true);
    }
  });

  it("returns an empty list for no nodes, without touching the model", async () => {
    const postprocessor = new SemanticHighlightPostprocessor({ highlighter });
    expect(await postprocessor.postprocessNodes([], QUERY)).toEqual([]);
  });

  it("rejects a missing or text-less query with an actionable InvalidInputError", async () => {
    const postprocessor = new SemanticHighlightPostprocessor({ highlighter });
    const nodes = textNodes();
    await expect(postprocessor.postprocessNodes(nodes)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(postprocessor.postprocessNodes(nodes)).rejects.toThrow(/needs the query.*second argument/);
    await expect(postprocessor.postprocessNodes(nodes, "   ")).rejects.toMatchObject({ code: "INVALID_INPUT" });
    const imageOnly: MessageContent = [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }];
    await expect(postprocessor.postprocessNodes(nodes, imageOnly)).rejects.toThrow(/no text parts/);
    await expect(postprocessor.postprocessNodes([], undefined)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("accepts a MessageContent array query (its text parts, as extractText joins them)", async () => {
    const nodes = textNodes();
    const postprocessor = new SemanticHighlightPostprocessor({ highlighter, threshold: 0, order: "retrieval" });
    const parts: MessageContent = [
      { type: "text", text: "How do I make Python code faster?" },
      { type: "image_url", image_url: { url: "https://example.com/chart.png" } },
    ];
    const fromArray = await postprocessor.postprocessNodes(nodes, parts);
    const fromString = await postprocessor.postprocessNodes(nodes, QUERY);
    expect(fromArray.map((n) => highlightOf(n.node).sentenceScores)).toEqual(fromString.map((n) => highlightOf(n.node).sentenceScores));

    const twoParts: MessageContent = [
      { type: "text", text: "Python speed" },
      { type: "text", text: "NumPy loops" },
    ];
    const joined = await postprocessor.postprocessNodes(nodes, twoParts);
    const direct = await directScores(nodes, "Python speed\n\nNumPy loops");
    expect(joined.map((n) => highlightOf(n.node).sentenceScores)).toEqual(direct.map((r) => r.sentenceScores));
  });

  it("passes image nodes through unchanged and treats empty text nodes as irrelevant", async () => {
    const image = new ImageNode({ id_: "img", image: "https://example.com/a.png", text: "" });
    const empty = new TextNode({ id_: "empty", text: "   \n " });
    const nodes: NodeWithScore[] = [{ node: image, score: 0.99 }, { node: empty, score: 0.95 }, ...textNodes()];

    const dropping = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0 }).postprocessNodes(nodes, QUERY);
    expect(dropping.map((n) => n.node.id_)).toEqual([...dropping.slice(0, 4).map((n) => n.node.id_), "img"]);
    expect(dropping.at(-1)!.node).toBe(image);
    expect(dropping.at(-1)!.score).toBe(0.99);
    expect(dropping.map((n) => n.node.id_)).not.toContain("empty");

    const keeping = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, dropIrrelevant: false, order: "retrieval", topN: 2 }).postprocessNodes(nodes, QUERY);
    // Image nodes are not counted by topN; in retrieval order they keep their place.
    expect(keeping[0]!.node).toBe(image);
    expect(keeping).toHaveLength(3);
    expect(keeping.map((n) => n.node.id_)).not.toContain("empty");

    const all = await new SemanticHighlightPostprocessor({ highlighter, threshold: 0, dropIrrelevant: false, order: "retrieval" }).postprocessNodes(nodes, QUERY);
    expect(all[1]!.node).toBe(empty); // unchanged, no copy
    expect(all[1]!.score).toBe(0);
    expect(empty.metadata).toEqual({});
  });

  it("validates options when it is built", () => {
    expect(() => new SemanticHighlightPostprocessor({ highlighter, topN: 0 })).toThrow(InvalidInputError);
    expect(() => new SemanticHighlightPostprocessor({ highlighter, order: "score" as "rerank" })).toThrow(/order/);
    expect(() => new SemanticHighlightPostprocessor({ highlighter, scoreMode: "x" as "rerank" })).toThrow(/scoreMode/);
    expect(() => new SemanticHighlightPostprocessor({ highlighter, threshold: 2 })).toThrow(/threshold/);
    expect(() => new SemanticHighlightPostprocessor({ highlighter, metadataKey: "" })).toThrow(/metadataKey/);
    expect(() => new SemanticHighlightPostprocessor({} as { highlighter: SemanticHighlighter })).toThrow(/fromModel/);
  });

  it("fromModel loads its own highlighter and dispose releases it", async () => {
    const postprocessor = await SemanticHighlightPostprocessor.fromModel(MODEL, { threshold: 0, topN: 1 });
    const out = await postprocessor.postprocessNodes(textNodes(), QUERY);
    expect(out).toHaveLength(1);
    expect(postprocessor.nodeOptions).toMatchObject({ topN: 1, order: "rerank", scoreMode: "rerank", dropIrrelevant: true, metadataKey: "highlight" });
    await postprocessor.dispose();
    await expect(SemanticHighlightPostprocessor.fromModel(MODEL, { order: "nope" as "rerank" })).rejects.toThrow(/order/);
  });
});
