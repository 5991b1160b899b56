/**
 * Given to README blocks marked `<!-- docs-test: prelude llamaindex-index -->`: the app's index over its
 * documents (see llamaindex-documents.ts for the offline embedding model and LLM).
 */
import { VectorStoreIndex } from "llamaindex";

import { documents } from "./llamaindex-documents.js";

export const index = await VectorStoreIndex.fromDocuments(documents);
