/**
 * Given to README blocks marked `<!-- docs-test: prelude langchain-vector-store -->`: the app's own vector store
 * and retriever, which the README leaves to the reader. Here a MemoryVectorStore over a few documents, with
 * LangChain's offline SyntheticEmbeddings standing in for a hosted embedding model.
 */
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { Document } from "@langchain/core/documents";
import { SyntheticEmbeddings } from "@langchain/core/utils/testing";

export const vectorStore = await MemoryVectorStore.fromDocuments(
  [
    new Document({ pageContent: "Python is easy to learn. To make Python code faster, replace loops with NumPy vector operations. The weather was nice." }),
    new Document({ pageContent: "## Performance tips\n- Use NumPy vector operations to make Python code faster\n- The office closes at 5pm on Fridays\n" }),
    new Document({ pageContent: "Bananas are yellow. Apples can be red or green." }),
  ],
  new SyntheticEmbeddings({ vectorSize: 32 }),
);

export const baseRetriever = vectorStore.asRetriever({ k: 3 });
