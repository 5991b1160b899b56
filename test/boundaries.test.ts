/**
 * Import boundaries (`.dependency-cruiser.cjs`): no import cycle, text/ is a leaf, rendering and text know no
 * backend, core knows no adapter or CLI, the adapters use core's public root only, and the browser build reaches
 * nothing of Node. The second test runs the same rules over a small tree that breaks each of them, so a rule
 * that silently matches nothing (a wrong path pattern, an excluded folder) fails here too.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const config = path.join(root, ".dependency-cruiser.cjs");
const depcruise = path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(cwd: string, paths: string[]): { violations: Violation[]; output: string } {
  const run = spawnSync(process.execPath, [depcruise, "--config", config, "--output-type", "json", ...paths], { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw run.error;
  if (run.stdout.trim() === "") throw new Error(`dependency-cruiser gave no report (exit ${run.status}): ${run.stderr}`);
  const json = JSON.parse(run.stdout) as { summary: { violations: Violation[]; error: number } };
  const output = json.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).join("\n");
  return { violations: json.summary.violations, output };
}

describe("import boundaries", () => {
  it("hold in every package", () => {
    const { violations, output } = cruise(root, ["packages/core/src", "packages/langchain/src", "packages/llamaindex/src", "packages/cli/src"]);
    expect(output).toBe("");
    expect(violations).toEqual([]);
  });

  it("are enforced: a tree that breaks each rule gets a violation for each", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sh-boundaries-"));
    try {
      const write = (file: string, code: string) => {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), code);
      };
      write("tsconfig.json", JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", allowImportingTsExtensions: true, noEmit: true } }));
      write("packages/core/src/pipeline/a.ts", 'import { b } from "./b.ts";\nexport const a = () => b;\n');
      write("packages/core/src/pipeline/b.ts", 'import { a } from "./a.ts";\nexport const b = () => a;\n');
      write("packages/core/src/text/t.ts", 'import { x } from "../backends/x.ts";\nexport const t = x;\n');
      write("packages/core/src/backends/x.ts", "export const x = 1;\n");
      write("packages/core/src/render/r.ts", 'import { x } from "../backends/x.ts";\nexport const r = x;\n');
      write("packages/core/src/index.web.ts", 'export { w } from "./web/w.ts";\n');
      write("packages/core/src/web/w.ts", 'import { n } from "../pipeline/n.ts";\nexport const w = n;\n');
      write("packages/core/src/pipeline/n.ts", 'import { readFileSync } from "node:fs";\nexport const n = readFileSync;\n');
      write("packages/core/src/index.ts", 'import { c } from "../../cli/src/c.ts";\nexport const i = c;\n');
      write("packages/cli/src/c.ts", "export const c = 1;\n");
      write("packages/langchain/src/l.ts", 'import { x } from "../../core/src/backends/x.ts";\nexport const l = x;\n');
      const { violations, output } = cruise(dir, ["packages"]);
      const rules = new Set(violations.map((v) => v.rule.name));
      for (const rule of ["no-cycles", "text-is-a-leaf", "render-and-text-not-to-backends", "core-not-to-adapters-or-cli", "adapters-use-public-core", "web-is-node-free"]) {
        expect(rules.has(rule), `${rule} not reported:\n${output}`).toBe(true);
      }
      expect(output).toContain("web-is-node-free: packages/core/src/index.web.ts → fs"); // node:fs, reached through web/ and pipeline/
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
