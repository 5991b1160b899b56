/**
 * The feature-hashing vector behind the examples' deterministic offline embeddings (one for LangChain,
 * one for LlamaIndex): every lowercased word (Latin letters/digits) and every bigram of CJK characters
 * adds ±1 to one of `dimensions` buckets (FNV-1a hash; the sign comes from another bit of the hash so
 * collisions tend to cancel), and the vector is L2-normalised. Texts sharing words or CJK bigrams get a
 * positive cosine similarity: enough for retrieval over a small corpus, with no network and no model.
 */
const WORD = /[\p{Script=Latin}\p{Nd}]+(?:['’][\p{Script=Latin}]+)?/gu;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;

/** FNV-1a over the UTF-16 code units of `text`, as an unsigned 32-bit integer. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The features of a text: lowercased words and CJK character bigrams (a lone CJK character counts as one feature). */
export function hashingFeatures(text: string): string[] {
  const lower = text.toLowerCase();
  const features: string[] = [];
  for (const match of lower.matchAll(WORD)) features.push(`w:${match[0]}`);
  for (const match of lower.matchAll(CJK_RUN)) {
    const chars = Array.from(match[0]);
    if (chars.length === 1) features.push(`c:${chars[0]}`);
    for (let i = 0; i + 1 < chars.length; i++) features.push(`c:${chars[i]}${chars[i + 1]}`);
  }
  return features;
}

/** Embeds `text` into a `dimensions`-long L2-normalised vector (all zeros when it has no features). */
export function hashingVector(text: string, dimensions = 256): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const feature of hashingFeatures(text)) {
    const hash = fnv1a(feature);
    vector[hash % dimensions]! += hash & 0x80000000 ? -1 : 1;
  }
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  return norm === 0 ? vector : vector.map((v) => v / norm);
}
