/**
 * An agent whose retrieval tool returns pruned context, fully offline.
 *
 * The tool (made with `tool()` from @langchain/core/tools) searches a MemoryVectorStore and prunes the hits
 * with SemanticHighlightCompressor, so the LLM reads only the sentences that answer the tool call's query.
 * The "LLM" is a scripted chat model: turn 1 calls the tool, turn 2 answers from the tool's output. Swap in
 * a real chat model (ChatOpenAI, ChatAnthropic, …) and the same loop works unchanged.
 *
 *   npm run build && npx tsx examples/langchain-agent-tool.ts
 */
import { ContextualCompressionRetriever } from "@langchain/classic/retrievers/contextual_compression";
import { MemoryVectorStore } from "@langchain/classic/vectorstores/memory";
import { Document } from "@langchain/core/documents";
import { BaseChatModel, type BaseChatModelParams, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { tool } from "@langchain/core/tools";
import { SemanticHighlighter } from "@semantic-highlight/core";
import { SemanticHighlightCompressor, type SemanticHighlightMetadata } from "@semantic-highlight/langchain";
import { corpus } from "./data/corpus.js";
import { HashingEmbeddings } from "./lib/hashing-embeddings.js";
import { exampleModel, exampleThreshold } from "./lib/model-path.js";

/** A chat model that plays a fixed script: each turn is a function of the conversation so far. */
class ScriptedChatModel extends BaseChatModel {
  private turn = 0;
  constructor(
    private readonly script: ((messages: BaseMessage[]) => AIMessage)[],
    params: BaseChatModelParams = {},
  ) {
    super(params);
  }
  _llmType(): string {
    return "scripted";
  }
  /** Tools are described to a real model here; the script already knows them. */
  override bindTools(_tools: BindToolsInput[]): this {
    return this;
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const step = this.script[Math.min(this.turn++, this.script.length - 1)]!;
    const message = step(messages);
    return { generations: [{ message, text: typeof message.content === "string" ? message.content : "" }] };
  }
}

async function main(): Promise<void> {
  const highlighter = await SemanticHighlighter.load(exampleModel());
  // One loaded model, shared: the compressor does not own it.
  const compressor = new SemanticHighlightCompressor({ highlighter, topN: 2, threshold: exampleThreshold(), separator: " … " });
  const documents = corpus.map((doc) => new Document({ pageContent: doc.text, id: doc.id, metadata: { title: doc.title } }));
  const store = await MemoryVectorStore.fromDocuments(documents, new HashingEmbeddings());
  const baseRetriever = store.asRetriever({ k: 4 });

  const querySchema = {
    type: "object",
    properties: { query: { type: "string", description: "What to look up" } },
    required: ["query"],
  } as const;
  const searchKnowledgeBase = tool(
    async (input, config) => {
      // JSON-schema tools get untyped input (LangChain validates it against `schema` first).
      const { query } = input as { query: string };
      // Per call: the tool run's abort signal reaches the model (LangChain does not pass it to compressors itself).
      const retriever = new ContextualCompressionRetriever({
        baseCompressor: compressor.withOptions({ signal: config?.signal }),
        baseRetriever,
      });
      const docs = await retriever.invoke(query, config);
      if (docs.length === 0) return "No relevant passage found.";
      return docs
        .map((doc) => {
          const details = doc.metadata.highlight as SemanticHighlightMetadata;
          return `[${doc.metadata.title}] (relevance ${(doc.metadata.relevanceScore as number).toFixed(2)}, ` +
            `${details.compression.tokensAfter}/${details.compression.tokensBefore} tokens kept)\n${doc.pageContent.trim()}`;
        })
        .join("\n\n");
    },
    {
      name: "search_knowledge_base",
      description: "Searches the knowledge base and returns only the sentences relevant to the query.",
      schema: querySchema,
    },
  );

  const question = "Why does my Node.js server stop answering requests while it computes a big report?";
  const model = new ScriptedChatModel([
    () =>
      new AIMessage({
        content: "",
        tool_calls: [{ id: "call_1", type: "tool_call", name: "search_knowledge_base", args: { query: "event loop blocked by long synchronous computation" } }],
      }),
    (messages) => {
      const context = messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m)).at(-1)?.content;
      const firstPassage = typeof context === "string" ? (context.split("\n")[1] ?? context) : "";
      return new AIMessage(`From the knowledge base: ${firstPassage.trim() || "I found nothing relevant."}`);
    },
  ]);
  const agent = model.bindTools([searchKnowledgeBase]);

  console.log(`\nUser: ${question}`);
  const messages: BaseMessage[] = [new SystemMessage("Answer from the knowledge base. Use the search tool."), new HumanMessage(question)];
  for (let step = 0; step < 4; step++) {
    const reply = await agent.invoke(messages);
    messages.push(reply);
    const calls = AIMessage.isInstance(reply) ? (reply.tool_calls ?? []) : [];
    if (calls.length === 0) {
      console.log(`\nAssistant: ${String(reply.content)}`);
      break;
    }
    for (const call of calls) {
      console.log(`\nAssistant calls ${call.name}(${JSON.stringify(call.args)})`);
      // Invoked with a tool call, a tool returns a ToolMessage that answers that call.
      const output: unknown = await searchKnowledgeBase.invoke({ ...call, type: "tool_call" });
      const result = ToolMessage.isInstance(output) ? output : new ToolMessage({ content: String(output), tool_call_id: call.id ?? "" });
      console.log(`\nTool returned (this is all the LLM sees):\n${String(result.content).replace(/^/gm, "  ")}`);
      messages.push(result);
    }
  }
  await highlighter.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
