import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ModelLoadError, ModelNotAvailableOfflineError } from "../errors.js";
import { SemanticHighlighter } from "../highlighter.js";
import { hubReadingHint, looksLikeHubId, resolveHubModel, type HubProgress } from "./hub.js";
import { loadModelFiles } from "./model-folder.js";
import { startFakeHub, type FakeHub } from "../test-support/hub-server.js";
import { repoRoot, testModels } from "../test-support/models.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";

/** The open-provence checkpoint fixture as a hub repository would hold it. */
function checkpointRepo(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-repo-")), "repo");
  cpSync(path.join(repoRoot, "models/test/checkpoints/open-provence"), dir, { recursive: true });
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) cpSync(path.join(testModels.tinyXlmr, f), path.join(dir, f));
  return dir;
}

function caches() {
  const root = mkdtempSync(path.join(tmpdir(), "sh-cache-"));
  return { root, cacheDir: path.join(root, "hub"), convertedCacheDir: path.join(root, "converted") };
}

describe("hub ids: telling them from local paths", () => {
  it("reads a bare org/name as a path when its first segment is a local folder, and hf: as a hub id always", () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(path.join(tmpdir(), "sh-cwd-"));
    mkdirSync(path.join(dir, "models"));
    process.chdir(dir);
    try {
      expect(looksLikeHubId("models/defualt")).toBe(false); // mistyped local path: never goes to the network
      expect(looksLikeHubId("zilliz/semantic-highlight-bilingual-v1")).toBe(true);
      expect(looksLikeHubId("hf:models/defualt")).toBe(true);
      expect(looksLikeHubId("hf:not an id")).toBe(false);
      expect(hubReadingHint("models/defualt")).toMatch(/hf:models\/defualt/);
    } finally {
      process.chdir(cwd);
    }
  });

  it("names both readings when a mistyped local path is loaded", async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(path.join(tmpdir(), "sh-cwd-"));
    mkdirSync(path.join(dir, "models"));
    process.chdir(dir);
    try {
      const error = await loadModelFiles("models/defualt").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as Error).message).toMatch(/does not exist.*hf:models\/defualt/);
    } finally {
      process.chdir(cwd);
    }
  });

  it("names the local-path reading too when a bare hub id cannot be resolved", async () => {
    const { cacheDir } = caches();
    const error = await resolveHubModel("nobody-here/model", { cacheDir, offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAvailableOfflineError);
    expect((error as Error).message).toMatch(/as a local path, .*nobody-here\/model does not exist/);
    const explicit = await resolveHubModel("hf:nobody-here/model", { cacheDir, offline: true }).catch((e: unknown) => e);
    expect((explicit as Error).message).not.toMatch(/local path,/);
  });
});

describe("hub ids: checkpoint repositories", () => {
  let hub: FakeHub;
  beforeAll(async () => {
    hub = await startFakeHub({ "org/ckpt": checkpointRepo(), "org/project-layout": testModels.tinyXlmr }, SHA);
  });
  afterAll(async () => {
    await hub.close();
  });

  it("downloads a checkpoint, converts it once, caches it by repo and commit, and loads it", async () => {
    const { cacheDir, convertedCacheDir } = caches();
    const events: HubProgress[] = [];
    const dir = await resolveHubModel("hf:org/ckpt", { cacheDir, convertedCacheDir, hubUrl: hub.url, onProgress: (p) => events.push(p) });
    expect(dir).toBe(path.join(convertedCacheDir, "models--org--ckpt", SHA));
    expect(JSON.parse(readFileSync(path.join(dir, "highlight_config.json"), "utf8"))).toMatchObject({ max_length: 384, threshold: 0, name: "org/ckpt" });
    // the weights are the cached blob, linked, not a copy
    const blob = path.join(cacheDir, "models--org--ckpt", "blobs");
    expect(readdirSync(blob).some((b) => statSync(path.join(blob, b)).ino === statSync(path.join(dir, "model.safetensors")).ino)).toBe(true);
    const downloads = events.filter((e) => e.phase === "download");
    expect(downloads.at(-1)).toMatchObject({ done: downloads.at(-1)!.total });
    expect(downloads.some((e) => e.file === "model.safetensors" && e.done > 0)).toBe(true);
    expect(events.at(-1)).toMatchObject({ phase: "convert" });
    expect(readFileSync(path.join(cacheDir, "models--org--ckpt", "refs", "main"), "utf8")).toBe(SHA);

    // second time: from the cache, offline, no request
    const seen = hub.requests.length;
    expect(await resolveHubModel("org/ckpt", { cacheDir, convertedCacheDir, offline: true })).toBe(dir);
    expect(hub.requests.length).toBe(seen);

    const highlighter = await SemanticHighlighter.load("hf:org/ckpt", { hub: { cacheDir, convertedCacheDir, offline: true }, backend: "in-process" });
    const result = await highlighter.highlightOne("What is converted?", "The checkpoint is converted. It runs in TypeScript.");
    expect(result.sentences).toHaveLength(2);
    await highlighter.dispose();
  });

  it("leaves nothing that loads after an interrupted download, and a retry completes", async () => {
    const { cacheDir, convertedCacheDir } = caches();
    hub.interruptNext("model.safetensors", 1000);
    const error = await resolveHubModel("hf:org/ckpt", { cacheDir, convertedCacheDir, hubUrl: hub.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAvailableOfflineError);
    expect((error as Error).message).toMatch(/model\.safetensors/);
    expect(existsSync(path.join(convertedCacheDir, "models--org--ckpt", SHA))).toBe(false);
    const snapshot = path.join(cacheDir, "models--org--ckpt", "snapshots", SHA);
    expect(existsSync(path.join(snapshot, "model.safetensors"))).toBe(false);
    // offline, the half-downloaded repository is not taken for a model
    await expect(resolveHubModel("hf:org/ckpt", { cacheDir, convertedCacheDir, offline: true })).rejects.toBeInstanceOf(ModelNotAvailableOfflineError);

    const dir = await resolveHubModel("hf:org/ckpt", { cacheDir, convertedCacheDir, hubUrl: hub.url });
    expect(dir).toBe(path.join(convertedCacheDir, "models--org--ckpt", SHA));
    expect(readdirSync(path.dirname(dir))).toEqual([SHA]); // no temporary folder left beside it
    const files = await loadModelFiles(dir);
    expect(files.config.maxLength).toBe(384);
  });

  it("still downloads repositories in this project's layout as they are", async () => {
    const { cacheDir, convertedCacheDir } = caches();
    const dir = await resolveHubModel("org/project-layout", { cacheDir, convertedCacheDir, hubUrl: hub.url });
    expect(dir).toBe(path.join(cacheDir, "models--org--project-layout", "snapshots", SHA));
    expect(existsSync(path.join(dir, "model.onnx"))).toBe(true);
    expect(existsSync(convertedCacheDir)).toBe(false);
  });
});
