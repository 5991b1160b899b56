/**
 * Docs are tests: every TypeScript code block of the READMEs (the repository's and each workspace package's)
 * is compiled with `strict` under `module`/`moduleResolution` `nodenext` and under `bundler` resolution, with
 * the TypeScript installed in a fresh consumer project of the packed tarballs, and run there with Node under a
 * time limit: it must exit by itself with code 0. The TypeScript programs of test/consumer-programs/ go
 * through the same steps. How a block is marked when it cannot run as is (a hub download, a server, a
 * browser, a continuation, the reader's own objects) is documented in test/docs/README.md; nothing is skipped
 * silently.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { describeRun, NODE_CONSUMER, prepareConsumer, REPO, runBin, runNode, workspaceReadmes, type Consumer, type RunResult } from "./support/consumer.js";
import { isTypeScript, readmeBlocks, type CodeBlock } from "./support/docs.js";

/** How long one block may run (it loads a model; the machine may be busy) before it counts as not exiting. */
const RUN_LIMIT_MS = 60_000;
const PRELUDES = path.join(REPO, "test/docs/preludes");
const PROGRAMS = path.join(REPO, "test/consumer-programs");
const KINDS = ["run", "compile-only", "browser", "vite-config", "continues", "prelude"] as const;
type Kind = (typeof KINDS)[number];

/** A program: one block, or a block and the `continues` blocks after it, or a consumer program. */
interface Program {
  /** File name in the consumer, e.g. `README.md-L145.ts`. */
  slug: string;
  /** What the test names it by: `README.md:145`. */
  title: string;
  kind: "run" | "compile-only";
  reason: string;
  /** Where each line of the program comes from (for compiler messages). */
  lines: { file: string; line: number }[];
  code: string;
}

const kindOf = (block: CodeBlock): Kind => {
  const kind = (block.annotation?.kind ?? "run") as Kind;
  if (!KINDS.includes(kind)) throw new Error(`${path.relative(REPO, block.file)}:${block.line}: unknown docs-test kind "${kind}" (known: ${KINDS.join(", ")}; see test/docs/README.md)`);
  return kind;
};

function preludeImport(name: string): string {
  const file = path.join(PRELUDES, `${name}.ts`);
  if (!existsSync(file)) throw new Error(`no prelude test/docs/preludes/${name}.ts`);
  const names = [...readFileSync(file, "utf8").matchAll(/^export (?:const|let|class|function|async function) (\w+)/gm)].map((m) => m[1]!);
  return `import { ${names.join(", ")} } from "../preludes/${name}.js";`;
}

/** The READMEs' TypeScript blocks as programs (browser and vite-config blocks are left to test/consumer-web.browser.test.ts). */
function readmePrograms(): { programs: Program[]; browser: CodeBlock[] } {
  const programs: Program[] = [];
  const browser: CodeBlock[] = [];
  for (const readme of workspaceReadmes()) {
    let previous: Program | undefined;
    for (const block of readmeBlocks(readme).filter(isTypeScript)) {
      const kind = kindOf(block);
      const rel = path.relative(REPO, block.file);
      const blockLines = block.code.split("\n").map((_, i) => ({ file: rel, line: block.line + i }));
      if (kind === "browser" || kind === "vite-config") {
        browser.push(block);
        previous = undefined;
        continue;
      }
      if (kind === "continues") {
        if (!previous) throw new Error(`${rel}:${block.line}: a "continues" block needs a TypeScript block before it in the same file`);
        previous.code += `\n${block.code}`;
        previous.lines.push(...blockLines);
        previous.title += `+${block.line}`;
        continue;
      }
      const header = kind === "prelude" ? preludeImport(block.annotation!.argument) : undefined;
      const program: Program = {
        slug: `${rel.replace(/[/.]/g, "-")}-L${block.line}.ts`,
        title: `${rel}:${block.line}`,
        kind: kind === "compile-only" ? "compile-only" : "run",
        reason: kind === "compile-only" ? block.annotation!.argument : "",
        lines: header ? [{ file: `prelude ${block.annotation!.argument}`, line: 0 }, ...blockLines] : blockLines,
        code: header ? `${header}\n${block.code}` : block.code,
      };
      if (kind === "compile-only" && !program.reason) throw new Error(`${program.title}: compile-only needs a reason (<!-- docs-test: compile-only WHY -->)`);
      programs.push(program);
      previous = program;
    }
  }
  for (const file of existsSync(PROGRAMS) ? readdirSync(PROGRAMS).filter((f) => f.endsWith(".ts")) : []) {
    const code = readFileSync(path.join(PROGRAMS, file), "utf8");
    programs.push({ slug: `program-${file}`, title: `test/consumer-programs/${file}`, kind: "run", reason: "", lines: code.split("\n").map((_, i) => ({ file: `test/consumer-programs/${file}`, line: i + 1 })), code });
  }
  return { programs, browser };
}

const { programs, browser } = readmePrograms();

/** Compiler settings shared by both resolutions: what a new strict project would use. */
const COMMON = { strict: true, target: "es2022", lib: ["es2022"], types: ["node"], skipLibCheck: true, esModuleInterop: true, forceConsistentCasingInFileNames: true };
const CONFIGS = {
  nodenext: { ...COMMON, module: "nodenext", moduleResolution: "nodenext", outDir: "out", rootDir: "." },
  bundler: { ...COMMON, module: "esnext", moduleResolution: "bundler", noEmit: true },
} as const;
type Resolution = keyof typeof CONFIGS;

let consumer: Consumer;
let work: string;
const diagnostics: Record<Resolution, Map<string, string[]>> = { nodenext: new Map(), bundler: new Map() };
const compileOutput: Record<Resolution, RunResult | undefined> = { nodenext: undefined, bundler: undefined };

/** Compiler messages per program, with the README line each one points at. */
function collect(resolution: Resolution, output: string): void {
  for (const line of output.split("\n")) {
    const m = /^(?:docs\/)?programs\/([^(]+)\((\d+),(\d+)\): (error .*)$/.exec(line.trim());
    if (!m) continue;
    const program = programs.find((p) => p.slug === m[1]);
    const origin = program?.lines[Number(m[2]) - 1];
    const at = origin ? `${origin.file}:${origin.line}:${m[3]}` : `${m[1]}:${m[2]}`;
    const list = diagnostics[resolution].get(m[1]!) ?? [];
    list.push(`${at} ${m[4]}`);
    diagnostics[resolution].set(m[1]!, list);
  }
}

beforeAll(async () => {
  consumer = await prepareConsumer(NODE_CONSUMER);
  work = path.join(consumer.dir, "docs");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, "programs"), { recursive: true });
  cpSync(PRELUDES, path.join(work, "preludes"), { recursive: true });
  for (const program of programs) writeFileSync(path.join(work, "programs", program.slug), `${program.code}\n`);
  for (const [resolution, options] of Object.entries(CONFIGS) as [Resolution, (typeof CONFIGS)[Resolution]][]) {
    writeFileSync(path.join(work, `tsconfig.${resolution}.json`), JSON.stringify({ compilerOptions: options, include: ["programs/*.ts", "preludes/*.ts"] }, null, 2));
    const result = await runBin(consumer, "tsc", ["-p", `tsconfig.${resolution}.json`, "--pretty", "false"], { cwd: work, timeoutMs: 300_000 });
    compileOutput[resolution] = result;
    collect(resolution, result.stdout);
  }
}, 900_000);

describe("README code blocks and consumer programs, compiled and run against the packed tarballs", () => {
  it("there are TypeScript blocks to test, and every browser block is left to the Vite app test", () => {
    expect(programs.filter((p) => p.title.includes("README.md")).length).toBeGreaterThan(5);
    // test/consumer-web.browser.test.ts builds and runs these (the page's code, the LangChain page's code, and their vite.config.ts)
    expect(browser.map((b) => `${b.annotation!.kind} ${path.relative(REPO, b.file)}:${b.line}`)).toHaveLength(3);
  });

  it("the compiler ran and reported nothing outside the programs", () => {
    for (const resolution of Object.keys(CONFIGS) as Resolution[]) {
      const result = compileOutput[resolution]!;
      expect(result.timedOut, describeRun(`tsc (${resolution})`, result)).toBe(false);
      const stray = result.stdout.split("\n").filter((l) => /error TS/.test(l) && !/^(docs\/)?programs\//.test(l.trim()));
      expect(stray, `tsc (${resolution})`).toEqual([]);
    }
  });

  for (const program of programs) {
    const what = program.kind === "run" ? "compiles (nodenext, bundler; strict) and runs to exit code 0" : `compiles (nodenext, bundler; strict); not run: ${program.reason}`;
    it(`${program.title} ${what}`, async () => {
      for (const resolution of Object.keys(CONFIGS) as Resolution[]) {
        expect(diagnostics[resolution].get(program.slug) ?? [], `${program.title} under ${resolution}`).toEqual([]);
      }
      if (program.kind !== "run") return;
      const js = path.join("docs/out/programs", program.slug.replace(/\.ts$/, ".js"));
      const result = await runNode(consumer, js, { timeoutMs: RUN_LIMIT_MS });
      expect(result.timedOut, describeRun(program.title, result)).toBe(false);
      expect(result.code, describeRun(program.title, result)).toBe(0);
    }, 180_000);
  }
});
