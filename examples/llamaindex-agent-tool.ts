/**
 * An agent whose retrieval tool returns pruned context, fully offline.
 *
 * The corpus goes into a `VectorStoreIndex`; its query engine runs `SemanticHighlightPostprocessor`, and a
 * `QueryEngineTool` (from `llamaindex`) exposes that engine to an agent. The tool's output is what the
 * engine's LLM makes of the pruned context; offline, that LLM is `ContextEchoLLM`, a `MockLLM` that answers
 * with the context it was given, so the tool output printed below is exactly the pruned context.
 * (`includeSourceNodes: true` would also put every node's JSON — highlight metadata included — into the tool
 * result the agent's LLM reads; leave it off unless you need it.)
 *
 * The agent is llamaindex 0.12's `LLMAgent` (exported by `llamaindex`; upstream marks it deprecated in
 * favour of `agent()` from `@llamaindex/workflow`, which `llamaindex` 0.12 does not re-export). It is driven
 * by `ScriptedLLM`, a `MockLLM` that plays a tool-calling model: its first turn calls the tool with the
 * user's question, its second turn answers from the tool result. Everything between — tool lookup, the
 * `call()`, the tool-result message — is LlamaIndex's own agent loop. Swap in a real tool-calling LLM
 * (OpenAI, Anthropic, Ollama…) and nothing else changes.
 *
 *   npx tsx examples/llamaindex-agent-tool.ts
 *
 * Set SEMANTIC_HIGHLIGHT_MODEL to a converted model (see lib/model-path.ts); with the random test model add
 * SEMANTIC_HIGHLIGHT_THRESHOLD=0.42 to see some sentences kept and some pruned.
 */
import type {
  ChatMessage,
  ChatResponse,
  ChatResponseChunk,
  CompletionResponse,
  LLMChatParamsNonStreaming,
  LLMChatParamsStreaming,
  LLMCompletionParamsNonStreaming,
  LLMCompletionParamsStreaming,
  ToolCallLLMMessageOptions,
} from "@llamaindex/core/llms";
import { MockLLM } from "@llamaindex/core/llms/mock";
import { extractText } from "@llamaindex/core/utils";
import { Document, LLMAgent, MetadataMode, QueryEngineTool, Settings, VectorStoreIndex } from "llamaindex";
import { SemanticHighlighter } from "@semantic-highlight/core";
import { SemanticHighlightPostprocessor } from "@semantic-highlight/llamaindex";
import { corpus, queries } from "./data/corpus.js";
import { HashingEmbedding } from "./lib/llamaindex-hashing-embedding.js";
import { exampleModel, exampleThreshold } from "./lib/model-path.js";

const TOOL_NAME = "search_knowledge_base";

/**
 * The query engine's LLM, offline: answers with the context block of the prompt it receives (the text
 * between the "---------------------" rules of LlamaIndex's QA prompt), i.e. the pruned nodes.
 */
class ContextEchoLLM extends MockLLM {
  constructor() {
    super({ timeBetweenToken: 0 });
  }
  override complete(params: LLMCompletionParamsStreaming): Promise<AsyncIterable<CompletionResponse>>;
  override complete(params: LLMCompletionParamsNonStreaming): Promise<CompletionResponse>;
  override async complete(
    params: LLMCompletionParamsStreaming | LLMCompletionParamsNonStreaming,
  ): Promise<AsyncIterable<CompletionResponse> | CompletionResponse> {
    if (params.stream) throw new Error("ContextEchoLLM answers non-streaming calls only");
    const prompt = extractText(params.prompt);
    const context = prompt.split("---------------------")[1]?.trim() ?? prompt;
    return { text: `Relevant context:\n${context}`, raw: null };
  }
}

/**
 * A scripted stand-in for a tool-calling LLM: with no tool result yet in the conversation it asks for the
 * search tool with the user's question; once the tool has answered it replies from the pruned context.
 */
class ScriptedLLM extends MockLLM {
  /** Tool results the "model" has read, for printing. */
  readonly toolResults: string[] = [];

  constructor() {
    super({ timeBetweenToken: 0 });
  }

  override chat(params: LLMChatParamsStreaming<object, object>): Promise<AsyncIterable<ChatResponseChunk>>;
  override chat(params: LLMChatParamsNonStreaming<object, object>): Promise<ChatResponse<object>>;
  override async chat(
    params: LLMChatParamsStreaming<object, object> | LLMChatParamsNonStreaming<object, object>,
  ): Promise<AsyncIterable<ChatResponseChunk> | ChatResponse<object>> {
    if (params.stream) throw new Error("ScriptedLLM answers non-streaming calls only");
    const messages = params.messages as ChatMessage<ToolCallLLMMessageOptions>[];
    const last = messages.at(-1);
    const toolResult = last?.options && "toolResult" in last.options ? last.options.toolResult : undefined;
    if (!toolResult) {
      const question = [...messages].reverse().find((m) => m.role === "user")?.content;
      return {
        message: {
          role: "assistant",
          content: "",
          options: { toolCall: [{ id: `call-${messages.length}`, name: TOOL_NAME, input: { query: String(question) } }] },
        },
        raw: null,
      };
    }
    // A QueryEngineTool returns { content: <the engine's answer> }.
    const raw: unknown = toolResult.result;
    const result = typeof raw === "object" && raw !== null && "content" in raw ? String(raw.content) : String(raw);
    this.toolResults.push(result);
    const content = /Relevant context:\s*\S/.test(result)
      ? `Based on the search results: ${result.replace(/^Relevant context:\s*/, "").replace(/\s+/g, " ").slice(0, 240)}…`
      : "The knowledge base has nothing relevant to this question.";
    return { message: { role: "assistant", content }, raw: null };
  }
}

Settings.embedModel = new HashingEmbedding();
// The query engine's synthesizer uses Settings.llm; the agent gets the scripted one below.
Settings.llm = new ContextEchoLLM();

const index = await VectorStoreIndex.fromDocuments(
  corpus.map((doc) => new Document({ id_: doc.id, text: doc.text, metadata: { title: doc.title, lang: doc.lang } })),
);
const highlighter = await SemanticHighlighter.load(exampleModel());
const postprocessor = new SemanticHighlightPostprocessor({ highlighter, threshold: exampleThreshold(), topN: 2 });

const searchTool = new QueryEngineTool({
  queryEngine: index.asQueryEngine({ similarityTopK: 4, nodePostprocessors: [postprocessor] }),
  metadata: {
    name: TOOL_NAME,
    description: "Searches the knowledge base and returns only the sentences relevant to the query.",
    parameters: {
      type: "object",
      properties: { query: { type: "string", description: "The question to look up." } },
      required: ["query"],
    },
  },
});

/** Characters of the chunks the retriever hands over before pruning, for comparison. */
const retriever = index.asRetriever({ similarityTopK: 4 });
const retrievedText = new Map<string, number>();
for (const question of queries) {
  const nodes = await retriever.retrieve({ query: question });
  retrievedText.set(question, nodes.reduce((sum, n) => sum + n.node.getContent(MetadataMode.LLM).length, 0));
}
const retrievedChars = (question: string) => retrievedText.get(question) ?? 0;

const llm = new ScriptedLLM();
const agent = new LLMAgent({ llm, tools: [searchTool] });

for (const question of [queries[0]!, queries[3]!]) {
  console.log(`\n=== user: ${question}`);
  const response = await agent.chat({ message: question });
  const toolOutput = llm.toolResults.at(-1) ?? "";
  console.log(`--- tool ${TOOL_NAME} returned ${toolOutput.length} characters (whole retrieved chunks: ${retrievedChars(question)}):`);
  console.log(toolOutput.replace(/^/gm, "      "));
  console.log(`--- agent: ${String(response.message.content)}`);
  agent.reset();
}

await highlighter.dispose();
