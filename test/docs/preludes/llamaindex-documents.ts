/**
 * Given to README blocks marked `<!-- docs-test: prelude llamaindex-documents -->`: what a LlamaIndex.TS app has
 * set up before the README's code — its documents, an embedding model and an LLM (`Settings`). Offline
 * stand-ins here: a word-hashing embedding and LlamaIndex's MockLLM.
 */
import { BaseEmbedding } from "@llamaindex/core/embeddings";
import { MockLLM } from "@llamaindex/core/llms/mock";
import { Document, Settings } from "llamaindex";

/** A deterministic bag-of-words embedding (hashed into 64 dimensions). */
class WordHashEmbedding extends BaseEmbedding {
  constructor() {
    super();
  }

  override async getTextEmbedding(text: string): Promise<number[]> {
    const vector = new Array<number>(64).fill(0);
    for (const word of text.toLowerCase().match(/\p{L}+/gu) ?? []) {
      let hash = 0;
      for (const char of word) hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
      vector[hash % 64]! += 1;
    }
    return vector;
  }
}

Settings.embedModel = new WordHashEmbedding();
Settings.llm = new MockLLM({ timeBetweenToken: 0 });

export const documents = [
  new Document({ text: "Python is easy to learn. To make Python code faster, replace loops with NumPy vector operations. The weather was nice." }),
  new Document({ text: "## Performance tips\n- Use NumPy vector operations to make Python code faster\n- The office closes at 5pm on Fridays\n" }),
  new Document({ text: "Bananas are yellow. Apples can be red or green." }),
];
