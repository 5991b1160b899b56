import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { startFakeHub } from "../../../core/src/test-support/hub-server.js";
import { memoryIo } from "../io.js";
import { runCli } from "../program.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const tiny = path.join(repo, "models/test/tiny-xlmr");

function checkpoint(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-cli-ckpt-")), "ckpt");
  cpSync(path.join(repo, "models/test/checkpoints/xprovence"), dir, { recursive: true });
  cpSync(path.join(tiny, "tokenizer.json"), path.join(dir, "tokenizer.json"));
  return dir;
}

async function run(args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe("semantic-highlight convert", () => {
  it("converts a checkpoint folder and reports the layout, heads and settings", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "sh-cli-out-")), "model");
    const { code, stdout } = await run(["convert", checkpoint(), "--out", out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/converted xprovence checkpoint/);
    expect(stdout).toMatch(/max_length 512 \(default\), threshold 0\.1 \(default\)/);
    expect(existsSync(path.join(out, "model.onnx"))).toBe(true);
  });

  it("--rerank-only converts the encoder and ranking head only: a folder without a pruning output", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "sh-cli-out-")), "model");
    const { code } = await run(["convert", checkpoint(), "--out", out, "--rerank-only"]);
    expect(code).toBe(0);
    const config = JSON.parse(readFileSync(path.join(out, "highlight_config.json"), "utf8")) as { pruning_output: unknown; ranking_output: unknown };
    expect(config.pruning_output).toBeNull();
    expect(config.ranking_output).toBe("ranking_logits");
  });

  it("converts a hub id through the hub (HF_ENDPOINT) and prints JSON", async () => {
    const hubRepo = checkpoint();
    const hub = await startFakeHub({ "org/xp": hubRepo }, "b".repeat(40));
    const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE };
    process.env.HF_ENDPOINT = hub.url;
    process.env.HF_HUB_CACHE = mkdtempSync(path.join(tmpdir(), "sh-cli-cache-"));
    try {
      const out = path.join(mkdtempSync(path.join(tmpdir(), "sh-cli-out-")), "model");
      const { code, stdout, stderr } = await run(["convert", "hf:org/xp", "--out", out, "--json"]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ layout: "xprovence", maxLength: 512 });
      expect(JSON.parse(readFileSync(path.join(out, "highlight_config.json"), "utf8"))).toMatchObject({ name: "org/xp" });
    } finally {
      Object.assign(process.env, saved);
      if (saved.HF_ENDPOINT === undefined) delete process.env.HF_ENDPOINT;
      if (saved.HF_HUB_CACHE === undefined) delete process.env.HF_HUB_CACHE;
      await hub.close();
    }
  });

  it("explains what it did not recognise, and rejects option mistakes", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "sh-cli-out-")), "model");
    const bad = await run(["convert", checkpoint(), "--out", out, "--pruning-head-prefix", "nope"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/pruning head not found.*token_classifier\.weight \[2, 16\]/);
    expect((await run(["convert", checkpoint(), "--out", out, "--reduce-range"])).stderr).toMatch(/--reduce-range only applies with --int8/);
    expect((await run(["convert", checkpoint(), "--out", out, "--graph", "onnx"])).stderr).toMatch(/--graph must be fused or plain/);
    expect(existsSync(out)).toBe(false);
  });

  it("--int8 writes an int8 folder and says what it quantized", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "sh-cli-out-")), "model");
    const { code, stdout } = await run(["convert", checkpoint(), "--out", out, "--int8"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/int8: 12 Linear weights \(s8 per output column\), 0 embedding tables/);
    expect(JSON.parse(readFileSync(path.join(out, "highlight_config.json"), "utf8"))).toMatchObject({ quantization: { linearQuantized: 12, reduceRange: false } });
    const plain = path.join(mkdtempSync(path.join(tmpdir(), "sh-cli-out-")), "model");
    const json = await run(["convert", checkpoint(), "--out", plain, "--int8", "--reduce-range", "--graph", "plain", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ quantization: { reduceRange: true } });
    expect(readFileSync(path.join(plain, "model.onnx")).includes("MatMulInteger")).toBe(true);
  });
});
