/**
 * What a model folder or a document holds never reaches the terminal as control sequences: a config `name`
 * or a sentence with ESC / OSC / CSI sequences is printed with its control characters made visible.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { memoryIo } from "./io.js";
import { runCli } from "./program.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
/** OSC 0 (set the window title), a screen clear and an 8-bit CSI: what a hostile string would carry. */
const HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m";

function hostileModel(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "sh-hostile-cli-")), "model");
  cpSync(path.join(repo, "models/test/tiny-xlmr"), dir, { recursive: true });
  const file = path.join(dir, "highlight_config.json");
  const config = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...config, name: `evil${HOSTILE}model`, threshold: 0 }));
  return dir;
}

async function run(args: string[], options: Parameters<typeof memoryIo>[0] = {}) {
  const io = memoryIo(options);
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** Control characters other than newline (the only one our own output needs without colour). */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe("model- and document-derived text reaches the terminal without control sequences", () => {
  const document = `The Louvre museum is in Paris.${HOSTILE} It holds the Mona Lisa. Rain fell.`;

  it("highlight --format text and ansi: config name, kept sentences and the document", async () => {
    const model = hostileModel();
    for (const format of ["text", "ansi", "markdown", "html"]) {
      const { code, stdout } = await run(["highlight", "-m", model, "-q", "Louvre museum", "--format", format, document], { stdoutIsTTY: false });
      expect(code, format).toBe(0);
      expect(stdout, format).not.toMatch(CONTROL);
      if (format === "text") expect(stdout).toMatch(/model evil␛\]0;pwned␇␛\[2J.31mmodel/);
    }
    const bm25 = await run(["highlight", "--bm25", "-q", "Louvre museum", "--format", "text", document]);
    expect(bm25.stdout).not.toMatch(CONTROL);
    expect(bm25.stdout).toContain("␛]0;pwned␇");
  });

  it("eval: the model name in the report, item ids and reasons in warnings", async () => {
    const model = hostileModel();
    const file = path.join(mkdtempSync(path.join(tmpdir(), "sh-hostile-eval-")), "set.jsonl");
    const item = (id: string, query: string) => JSON.stringify({ id, lang: "en", query, sentences: ["The Louvre is in Paris. ", `It is big.${HOSTILE}`], labels: [1, 0] });
    writeFileSync(file, `${item(`a${HOSTILE}`, "Where is the Louvre?")}\n${item(`b${HOSTILE}`, " ")}\n`);
    const { code, stdout, stderr } = await run(["eval", file, "-m", model, "--no-progress"]);
    expect(code).toBe(0);
    expect(stdout).toContain("evil␛]0;pwned");
    expect(stdout).not.toMatch(CONTROL);
    expect(stderr).toMatch(/skipped item b␛/);
    expect(stderr).not.toMatch(CONTROL);
  });

  it("error messages that quote a file's content", async () => {
    const model = hostileModel();
    const file = path.join(model, "highlight_config.json");
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), rerank_score_source: undefined, pruning_output: `x${HOSTILE}`, max_length: 64 }));
    const { code, stderr } = await run(["highlight", "-m", model, "-q", "q", "text."]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/semantic-highlight: error: .*missing output "x␛/);
    expect(stderr).not.toMatch(CONTROL);
  });
});
