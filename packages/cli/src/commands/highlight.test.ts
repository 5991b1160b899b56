import { describe, expect, it } from "vitest";

import { memoryIo } from "../io.js";
import { runCli } from "../program.js";
import { chooseFormat } from "./highlight.js";

const text = "The Eiffel Tower is in Paris. It was completed in 1889. Paris is also home to the <b>Louvre</b> museum & more.";

async function run(args: string[], options: Parameters<typeof memoryIo>[0] = {}) {
  const io = memoryIo(options);
  const code = await runCli(["highlight", "--bm25", "-q", "Louvre museum", ...args], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe("highlight --format", () => {
  it("chooses ansi on a terminal and text otherwise; --json is an alias of --format json", () => {
    expect(chooseFormat({}, true)).toBe("ansi");
    expect(chooseFormat({}, false)).toBe("text");
    expect(chooseFormat({ json: true }, true)).toBe("json");
    expect(chooseFormat({ json: true, format: "json" }, true)).toBe("json");
    expect(() => chooseFormat({ json: true, format: "html" }, true)).toThrow(/exclude each other/);
  });

  it("text never colours; ansi colours only on a terminal without NO_COLOR (FORCE_COLOR forces)", async () => {
    expect((await run(["--format", "text", text], { stdoutIsTTY: true })).stdout).toContain("[[Paris is also home to the <b>Louvre</b> museum & more.]]");
    expect((await run(["--format", "ansi", text], { stdoutIsTTY: true })).stdout).toContain("\x1b[1m");
    expect((await run(["--format", "ansi", text], { stdoutIsTTY: false })).stdout).not.toContain("\x1b[");
    expect((await run(["--format", "ansi", text], { stdoutIsTTY: true, env: { NO_COLOR: "1" } })).stdout).not.toContain("\x1b[");
    expect((await run(["--format", "ansi", text], { stdoutIsTTY: false, env: { FORCE_COLOR: "1" } })).stdout).toContain("\x1b[1m");
    expect((await run(["--format", "ansi", "--no-color", text], { stdoutIsTTY: true })).stdout).not.toContain("\x1b[");
  });

  it("json and --json print the same HighlightResult; the document comes from stdin too", async () => {
    const a = await run(["--format", "json"], { stdin: text });
    const b = await run(["--json", text]);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout).text).toBe(text);
  });

  it("html prints a standalone, escaped page with score-carrying marks", async () => {
    const { code, stdout } = await run(["--format", "html", text]);
    expect(code).toBe(0);
    expect(stdout.startsWith("<!doctype html>")).toBe(true);
    expect(stdout).toMatch(/<mark class="sh-mark" data-score="\d\.\d{3}" data-index="2"[^>]*>Paris is also home to the &lt;b&gt;Louvre&lt;\/b&gt; museum &amp; more\.<\/mark>/);
    expect(stdout).not.toContain("<b>Louvre");
    expect(stdout).toContain("Query: Louvre museum");
  });

  it("markdown bolds kept sentences with their scores, markup in the document escaped", async () => {
    const { stdout } = await run(["--format", "markdown", "--threshold", "0", "--top-k", "1", text]);
    expect(stdout).toMatch(/^The Eiffel Tower is in Paris\. It was completed in 1889\. \*\*Paris is also home to the &lt;b&gt;Louvre&lt;\/b&gt; museum &amp; more\.\*\* _\(\d\.\d{3}\)_\n$/);
  });

  it("rejects an unknown format and --json with another format", async () => {
    expect((await run(["--format", "pdf", text])).stderr).toMatch(/Allowed choices are text, ansi, json, html, markdown/);
    expect((await run(["--format", "html", "--json", text])).code).toBe(1);
  });
});
