/** `semantic-highlight triton-repo` on scratch folders, as a user runs it (issue 18, point 3). */
import { mkdirSync, mkdtempSync as makeTemp, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, describe, expect, it } from "vitest";

import { memoryIo } from "../io.js";
import { runCli } from "../program.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const tiny = path.join(repo, "models/test/tiny-xlmr");

async function run(args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** Temp folders of this file, removed at the end (entries hard-link the committed test model). */
const created: string[] = [];
function mkdtempSync(prefix: string): string {
  const dir = makeTemp(prefix);
  created.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

const tree = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

describe("semantic-highlight triton-repo", () => {
  it("--name .. / . / \"\" with --overwrite exit 1 with the reason and delete nothing (they used to delete the parent / the output folder)", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "sh-cli-triton-"));
    writeFileSync(path.join(root, "unrelated.txt"), "keep me");
    mkdirSync(path.join(root, "sibling-model/1"), { recursive: true });
    writeFileSync(path.join(root, "sibling-model/1/model.onnx"), "weights");
    mkdirSync(path.join(root, "out/other"), { recursive: true });
    writeFileSync(path.join(root, "out/other/config.pbtxt"), 'name: "other"');
    const before = tree(root);
    for (const name of ["..", ".", ""]) {
      const { code, stdout, stderr } = await run(["triton-repo", tiny, "--out", path.join(root, "out"), "--name", name, "--overwrite"]);
      expect(code, name).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^semantic-highlight: error: .*cannot be a Triton model/);
    }
    expect(tree(root)).toEqual(before);
    expect(readFileSync(path.join(root, "unrelated.txt"), "utf8")).toBe("keep me");
  });

  it("writes an entry and says how to serve and use it; --max-batch-size 0 turns batching off", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "sh-cli-triton-")), "model repo");
    const { code, stdout, stderr } = await run(["triton-repo", tiny, "--out", out, "--name", "tiny", "--max-batch-size", "0"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`wrote ${path.join(out, "tiny/config.pbtxt")}`);
    expect(stdout).toMatch(/model "tiny": max_batch_size 0 \(no batching\); inputs "input_ids", "attention_mask"; outputs "pruning_logits", "ranking_logits"; files in 1\/: "model.onnx"/);
    expect(stdout).toContain(`tritonserver --model-repository='${out}'`);
    expect(readFileSync(path.join(out, "tiny/config.pbtxt"), "utf8")).toContain("max_batch_size: 0");
  });

  it("an existing entry it did not write is refused even with --overwrite (exit 1), and kept", async () => {
    const out = mkdtempSync(path.join(tmpdir(), "sh-cli-triton-"));
    mkdirSync(path.join(out, "tiny/1"), { recursive: true });
    writeFileSync(path.join(out, "tiny/config.pbtxt"), 'name: "tiny"');
    const { code, stderr } = await run(["triton-repo", tiny, "--out", out, "--name", "tiny", "--overwrite"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/it was not written by semantic-highlight triton-repo\): not replaced/);
    expect(readFileSync(path.join(out, "tiny/config.pbtxt"), "utf8")).toBe('name: "tiny"');
  });
});
