import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { InvalidInputError, ModelLoadError, ModelNotAvailableOfflineError } from "../errors.js";
import { downloadHubRepo, looksLikeHubId, MAX_HUB_METADATA_BYTES, resolveHubModel, revisionProblem } from "./hub.js";
import { SemanticHighlighter } from "../highlighter.js";
import { startFakeHub } from "../test-support/hub-server.js";
import { testModels } from "../test-support/models.js";

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
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const snapshot = path.join(repoDir, "snapshots", commit);
    mkdirSync(path.join(repoDir, "refs"), { recursive: true });
    writeFileSync(path.join(repoDir, "refs", "main"), commit);
    cpSync(testModels.tinyXlmr, snapshot, { recursive: true });

    expect(await resolveHubModel("org/cached-model", { cacheDir: cache, offline: true })).toBe(snapshot);
    const highlighter = await SemanticHighlighter.load("org/cached-model", { hub: { cacheDir: cache, offline: true } });
    expect(highlighter.modelDirectory).toBe(snapshot);
    const result = await highlighter.highlightOne("What is cached?", "The model is cached. It loads offline.");
    expect(result.sentences).toHaveLength(2);
    await highlighter.dispose();
  });
});

describe("a hostile hub or cache cannot reach outside the cache", () => {
  const SHA = "c".repeat(40);

  /** A cache folder with a sibling "outside" folder holding a file that must survive. */
  function sandbox() {
    const root = mkdtempSync(path.join(tmpdir(), "sh-hostile-hub-"));
    mkdirSync(path.join(root, "outside"));
    writeFileSync(path.join(root, "outside", "victim.txt"), "precious");
    return { root, cacheDir: path.join(root, "hub"), convertedCacheDir: path.join(root, "converted") };
  }

  it("cuts off a file that grows past the size the hub declared for it (a mirror streaming without end): typed error, bounded bytes", async () => {
    // The first GET of the file is @huggingface/hub's size probe (a range request), answered as usual; the
    // download itself gets a body without end.
    let gets = 0;
    const hub = await startFakeHub({ "org/m": testModels.tinyXlmr }, SHA, {
      respond: (method, pathname) =>
        method === "GET" && pathname === `/org/m/resolve/${SHA}/model.onnx` && ++gets > 1
          ? { status: 200, headers: { "Content-Type": "application/octet-stream" }, body: Buffer.alloc(1 << 20, 7), repeatUntilClosed: true }
          : undefined,
    });
    try {
      const error = await resolveHubModel("hf:org/m", { cacheDir: emptyCache(), hubUrl: hub.url }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelNotAvailableOfflineError);
      expect((error as Error).message).toMatch(/more than the \d+ bytes the hub declared for it/);
      // Before the cap the client read until the server's 1 GiB safety stop.
      const declared = statSync(path.join(testModels.tinyXlmr, "model.onnx")).size;
      expect(hub.endlessBytesSent).toBeLessThan(declared + 64 * 2 ** 20);
    } finally {
      await hub.close();
    }
  }, 60_000);

  it("refuses a repository whose declared size is over maxDownloadBytes before fetching any file", async () => {
    const hub = await startFakeHub({ "org/m": testModels.tinyXlmr }, SHA);
    try {
      const error = await resolveHubModel("hf:org/m", { cacheDir: emptyCache(), hubUrl: hub.url, maxDownloadBytes: 1000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelNotAvailableOfflineError);
      expect((error as Error).message).toMatch(/more than maxDownloadBytes \(1000\)/);
      expect(hub.requests.filter((r) => r.includes("/resolve/"))).toEqual([]);
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        await expect(resolveHubModel("hf:org/m", { cacheDir: emptyCache(), hubUrl: hub.url, maxDownloadBytes: bad })).rejects.toBeInstanceOf(InvalidInputError);
      }
    } finally {
      await hub.close();
    }
  });

  it("accepts git ref names and commit ids as revisions and refuses everything else", () => {
    for (const ok of ["main", "v1.0", "refs/pr/1", "feature/x-y_z", "c".repeat(40), "release-2024.05"]) expect(revisionProblem(ok)).toBeNull();
    const bad = ["", "..", "../x", "a/../b", "a/..", "/abs", "x/", "a//b", "x.lock", "a/x.lock/b", ".hidden", "a/.b", "x.", "a\\b", "a b", "tab\tx", "esc\u001b[31m", "del\u007f", "@", "a@{1}", "~1", "a^", "a:b", "a?", "a*", "a[b", "x".repeat(256)];
    for (const revision of bad) expect(revisionProblem(revision), JSON.stringify(revision)).not.toBeNull();
    expect(revisionProblem(42)).not.toBeNull();
  });

  it("refuses a revision that climbs out of refs/ before any request, and writes nothing outside the cache", async () => {
    const { root, cacheDir, convertedCacheDir } = sandbox();
    // The double answers every revision with a valid commit, as a hostile or careless mirror would.
    const hub = await startFakeHub({ "org/m": testModels.tinyXlmr }, SHA);
    try {
      for (const revision of ["../../../outside/victim.txt", "../../../new/dir/file", "/etc/x", "refs/../../../outside/victim.txt"]) {
        const error = await resolveHubModel("hf:org/m", { cacheDir, convertedCacheDir, hubUrl: hub.url, revision }).catch((e: unknown) => e);
        expect(error, revision).toBeInstanceOf(InvalidInputError);
        expect((error as Error).message).toMatch(/is not a branch, tag or commit id/);
        await expect(downloadHubRepo("hf:org/m", { cacheDir, hubUrl: hub.url, revision })).rejects.toBeInstanceOf(InvalidInputError);
      }
      expect(hub.requests).toEqual([]);
      expect(readFileSync(path.join(root, "outside", "victim.txt"), "utf8")).toBe("precious");
      expect(readdirSync(root).sort()).toEqual(["outside"]);
    } finally {
      await hub.close();
    }
  });

  it("does not take a cached ref file's content for a commit unless it is 40 hex digits", async () => {
    const { root, cacheDir } = sandbox();
    // A snapshot-looking folder outside the cache, named by a forged ref.
    const elsewhere = path.join(root, "outside", "snap");
    cpSync(testModels.tinyXlmr, elsewhere, { recursive: true });
    const refs = path.join(cacheDir, "models--org--m", "refs");
    mkdirSync(refs, { recursive: true });
    writeFileSync(path.join(refs, "main"), "../../../outside/snap\n");
    const error = await resolveHubModel("hf:org/m", { cacheDir, offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotAvailableOfflineError);
    expect((error as Error).message).toMatch(/does not hold a 40-hex-digit commit id/);
  });

  it("reports a cached ref that is a folder as a typed error, offline and online, not a raw EISDIR", async () => {
    const { cacheDir, convertedCacheDir } = sandbox();
    mkdirSync(path.join(cacheDir, "models--org--m", "refs", "main"), { recursive: true });
    const offline = await resolveHubModel("hf:org/m", { cacheDir, offline: true }).catch((e: unknown) => e);
    expect(offline).toBeInstanceOf(ModelNotAvailableOfflineError);
    expect((offline as Error).message).toMatch(/is not a file/);
    const hub = await startFakeHub({ "org/m": testModels.tinyXlmr }, SHA);
    try {
      const online = await resolveHubModel("hf:org/m", { cacheDir, convertedCacheDir, hubUrl: hub.url }).catch((e: unknown) => e);
      expect(online).toBeInstanceOf(ModelLoadError);
      expect((online as Error).message).toMatch(/refs\/main: the cache holds a folder/);
    } finally {
      await hub.close();
    }
  });

  it("refuses repository ids with .. or -- (they would alias other cache folders)", async () => {
    expect(looksLikeHubId("hf:org/..")).toBe(false);
    expect(looksLikeHubId("hf:a--b/c")).toBe(false);
    await expect(resolveHubModel("hf:org/..", { cacheDir: emptyCache(), offline: true })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(resolveHubModel("hf:a/b--c", { cacheDir: emptyCache(), offline: true })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("refuses oversized or malformed revision metadata from the hub with a typed error", async () => {
    const big = Buffer.alloc(MAX_HUB_METADATA_BYTES + 1024, 0x20);
    const answers: Record<string, { status: number; body: string | Buffer }> = {
      "org/big": { status: 200, body: big },
      "org/null": { status: 200, body: "null" },
      "org/badsha": { status: 200, body: JSON.stringify({ sha: "../../x", siblings: [] }) },
      "org/badsiblings": { status: 200, body: JSON.stringify({ sha: SHA, siblings: [null, 5, { rfilename: 7 }] }) },
      "org/notjson": { status: 200, body: "<html>" },
    };
    const hub = await startFakeHub({}, SHA, {
      respond: (method, pathname) => {
        const m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\//.exec(pathname);
        return m ? answers[m[1]!] : undefined;
      },
    });
    try {
      for (const repo of Object.keys(answers)) {
        const error = await resolveHubModel(`hf:${repo}`, { cacheDir: emptyCache(), hubUrl: hub.url }).catch((e: unknown) => e);
        // org/badsiblings lists no usable file: a ConversionError saying what the repository holds.
        if (repo === "org/badsiblings") expect(error, repo).toMatchObject({ code: "CONVERSION", reason: "MISSING_FILE" });
        else expect(error, repo).toBeInstanceOf(ModelNotAvailableOfflineError);
      }
      const error = await resolveHubModel("hf:org/big", { cacheDir: emptyCache(), hubUrl: hub.url }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/more than the 16777216/);
    } finally {
      await hub.close();
    }
  });
});
