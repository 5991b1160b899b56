import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { ModelNotAvailableOfflineError } from "./errors.js";
import { looksLikeHubId, resolveHubModel } from "./hub.js";
import { SemanticHighlighter } from "./highlighter.js";
import { testModels } from "./test-support/models.js";

const emptyCache = () => mkdtempSync(path.join(tmpdir(), "sh-hub-"));

describe("hub model ids", () => {
  it("tells hub ids from paths", () => {
    expect(looksLikeHubId("zilliz/semantic-highlight-bilingual-v1")).toBe(true);
    expect(looksLikeHubId("./models/x")).toBe(false);
    expect(looksLikeHubId("/abs/path")).toBe(false);
    expect(looksLikeHubId(testModels.tinyXlmr)).toBe(false);
    expect(looksLikeHubId("models/test")).toBe(false); // exists locally: a path wins
  });

  it("fails fast in offline mode with a message that says how to use a local folder", async () => {
    const started = Date.now();
    const error = await resolveHubModel("org/not-cached", { cacheDir: emptyCache(), offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAvailableOfflineError);
    expect((error as Error).message).toMatch(/local model folder/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("reports an unreachable hub as not available offline instead of hanging", async () => {
    // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once. No internet is used.
    const error = await resolveHubModel("org/not-cached", { cacheDir: emptyCache(), offline: false, hubUrl: "http://127.0.0.1:9", connectTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAvailableOfflineError);
    expect((error as Error).message).toMatch(/org\/not-cached/);
  });

  it("loads a hub id from a filled Hugging Face cache without any network access", async () => {
    const cache = emptyCache();
    const repoDir = path.join(cache, "models--org--cached-model");
    const snapshot = path.join(repoDir, "snapshots", "0123456789abcdef");
    mkdirSync(path.join(repoDir, "refs"), { recursive: true });
    writeFileSync(path.join(repoDir, "refs", "main"), "0123456789abcdef");
    cpSync(testModels.tinyXlmr, snapshot, { recursive: true });

    expect(await resolveHubModel("org/cached-model", { cacheDir: cache, offline: true })).toBe(snapshot);
    const highlighter = await SemanticHighlighter.load("org/cached-model", { hub: { cacheDir: cache, offline: true } });
    expect(highlighter.modelDirectory).toBe(snapshot);
    const result = await highlighter.highlightOne("What is cached?", "The model is cached. It loads offline.");
    expect(result.sentences).toHaveLength(2);
    await highlighter.dispose();
  });
});
