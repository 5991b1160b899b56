import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SemanticHighlighter } from "../highlighter.js";
import { resolveHubModel } from "./hub.js";
import { startFakeHub, type FakeHub } from "../test-support/hub-server.js";
import { repoRoot, testModels } from "../test-support/models.js";

const SHA = "89abcdef0123456789abcdef0123456789abcdef";

describe("hub ids: int8 conversion", () => {
  let hub: FakeHub;
  beforeAll(async () => {
    const repo = path.join(mkdtempSync(path.join(tmpdir(), "sh-repo-")), "repo");
    cpSync(path.join(repoRoot, "models/test/checkpoints/open-provence"), repo, { recursive: true });
    for (const f of ["tokenizer.json", "tokenizer_config.json"]) cpSync(path.join(testModels.tinyXlmr, f), path.join(repo, f));
    hub = await startFakeHub({ "org/ckpt": repo }, SHA);
  });
  afterAll(async () => {
    await hub.close();
  });

  it("caches the int8 conversion beside the float32 one, each found offline afterwards, and loads it", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "sh-cache-"));
    const cache = { cacheDir: path.join(root, "hub"), convertedCacheDir: path.join(root, "converted") };
    const int8 = await resolveHubModel("hf:org/ckpt", { ...cache, hubUrl: hub.url, int8: true });
    expect(int8).toBe(path.join(cache.convertedCacheDir, "models--org--ckpt", `${SHA}-int8`));
    expect(JSON.parse(readFileSync(path.join(int8, "highlight_config.json"), "utf8"))).toMatchObject({ name: "org/ckpt-int8", quantization: { linearQuantized: 12 } });
    // the float32 conversion is another folder, made on its own request (the checkpoint is already cached)
    const fp32 = await resolveHubModel("hf:org/ckpt", { ...cache, hubUrl: hub.url });
    expect(fp32).toBe(path.join(cache.convertedCacheDir, "models--org--ckpt", SHA));
    expect(JSON.parse(readFileSync(path.join(fp32, "highlight_config.json"), "utf8"))).not.toHaveProperty("quantization");
    expect(await resolveHubModel("org/ckpt", { ...cache, offline: true, int8: true })).toBe(int8);
    expect(await resolveHubModel("org/ckpt", { ...cache, offline: true })).toBe(fp32);

    const highlighter = await SemanticHighlighter.load("hf:org/ckpt", { hub: { ...cache, offline: true, int8: true }, backend: "in-process" });
    expect(highlighter.modelDirectory).toBe(int8);
    expect(highlighter.config.name).toBe("org/ckpt-int8");
    const result = await highlighter.highlightOne("What is converted?", "The checkpoint is converted. It runs in TypeScript.");
    expect(result.sentences).toHaveLength(2);
    await highlighter.dispose();
  });
});
