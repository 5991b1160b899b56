/**
 * Workloads shared by the benchmark harnesses: eval items, documents of a given token length built from
 * distinct eval paragraphs, and the exact batches the pipeline packs for a call.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { segmentSentences, TextTokenizer, type HighlightOptions, type SemanticHighlighter } from "../packages/core/src/index.js";
import { buildBatches, contextCapacity, defaultFragmentLength, layoutBlock, packBlocks, type Batch } from "../packages/core/src/internal.js";

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
export const DATA = path.resolve(ROOT, "..", "shared", "data", "eval");

/**
 * The benchmarks' flags: `--name value`, or `--name` alone for "true" (each harness documents its own at
 * its top). Hand-rolled rather than `util.parseArgs` because the harnesses take free-form flags they pass on.
 */
export function benchFlags(argv: string[]): { flags: Map<string, string>; str: (k: string, d: string) => string; num: (k: string, d: number) => number; list: (k: string, d: string) => string[] } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) flags.set(a.slice(2), "true");
    else {
      flags.set(a.slice(2), next);
      i++;
    }
  }
  const str = (k: string, d: string) => flags.get(k) ?? d;
  const num = (k: string, d: number) => (flags.has(k) ? Number(flags.get(k)) : d);
  const list = (k: string, d: string) => str(k, d).split(",").filter(Boolean);
  return { flags, str, num, list };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface EvalItem {
  id: string;
  lang: string;
  query: string;
  sentences: string[];
  labels: number[];
}
export function readEval(lang: string): EvalItem[] {
  const file = lang === "en" ? "squad-dev-en.jsonl" : "cmrc-trial-zh.jsonl";
  return readFileSync(path.join(DATA, file), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EvalItem)
    .filter((it) => it.query.trim() !== ""); // a few items have no question: nothing to highlight against
}

/** Counts tokens while building workloads: its own tokenizer, so the highlighters' word caches start cold. */
export interface TokenCounter {
  encode(text: string): number[];
}
export const readModelJson = (dir: string, file: string) => JSON.parse(readFileSync(path.join(dir, file), "utf8")) as object;
export function tokenizerOf(dir: string): TextTokenizer {
  return TextTokenizer.fromJSON({ tokenizerJson: readModelJson(dir, "tokenizer.json"), tokenizerConfig: readModelJson(dir, "tokenizer_config.json") });
}

export interface Doc {
  query: string;
  text: string;
  sentences: string[];
  tokens: number;
}
/** Documents of about `tokens` tokens (whole sentences of distinct eval paragraphs, concatenated). */
export function makeDocs(counter: TokenCounter, lang: string, count: number, tokens: number, offset = 0): Doc[] {
  const items = readEval(lang);
  const seen = new Set<string>();
  const paragraphs: { query: string; sentences: string[] }[] = [];
  for (const it of items) {
    const t = it.sentences.join("");
    if (seen.has(t)) continue;
    seen.add(t);
    paragraphs.push({ query: it.query, sentences: it.sentences });
  }
  const docs: Doc[] = [];
  let p = offset % paragraphs.length;
  for (let d = 0; d < count; d++) {
    const first = paragraphs[p]!;
    const sentences: string[] = [];
    let n = 0;
    while (n < tokens) {
      for (const s of paragraphs[p]!.sentences) {
        const k = counter.encode(s).length;
        if (n > 0 && n + k > tokens) {
          n = tokens; // stop: the next sentence would overshoot
          break;
        }
        sentences.push(s);
        n += k;
        if (n >= tokens) break;
      }
      p = (p + 1) % paragraphs.length;
    }
    // Make sentence boundaries survive segmentation of the joined text.
    const fixed = sentences.map((s) => (/\s$/.test(s) || lang === "zh" ? s : s + " "));
    const text = fixed.join("");
    docs.push({ query: first.query, text, sentences: fixed, tokens: fixed.reduce((a, s) => a + counter.encode(s).length, 0) });
  }
  return docs;
}

/** Distinct eval paragraphs as they are (varied lengths, like a retriever's chunks). */
export function paragraphDocs(counter: TokenCounter, lang: string, count: number): Doc[] {
  const seen = new Set<string>();
  const docs: Doc[] = [];
  for (const it of readEval(lang)) {
    const text = it.sentences.join("");
    if (seen.has(text)) continue;
    seen.add(text);
    docs.push({ query: it.query, text, sentences: it.sentences, tokens: it.sentences.reduce((a, s) => a + counter.encode(s).length, 0) });
    if (docs.length >= count) break;
  }
  return docs;
}


/** The exact batches the pipeline builds for one call (same functions, same defaults). */
export function packedBatches(h: SemanticHighlighter, query: string, texts: string[], options: HighlightOptions = {}): Batch[] {
  const tok = h.tokenizer;
  // Mirrors the library's defaults; main() checks the result against the pipeline's own stats.
  const maxLength = options.maxLength ?? h.config.maxLength;
  const q = tok.encode(query);
  const cap = contextCapacity(maxLength, q.length, tok.template);
  const frag = options.fragmentLength ?? h.config.fragmentLength ?? defaultFragmentLength(maxLength);
  const blocks = texts.flatMap((t, d) => packBlocks(d, segmentSentences(t).map((s) => (s.text.trim() === "" ? [] : tok.encode(s.text))), cap, frag));
  const layouts = blocks.map((b) => layoutBlock(b, q, tok.template));
  return buildBatches(layouts, tok.padId, {
    maxBatchSize: options.batchSize ?? 8,
    maxBatchTokens: options.maxBatchTokens ?? 8192,
    maxPaddingRatio: options.maxPaddingRatio ?? 0.1,
    smallBatchTokens: options.smallBatchTokens ?? 512,
    withSentenceIndex: h.backend.info.inputNames.includes("sentence_index"),
  });
}
