/**
 * Code blocks of the READMEs, for the tests that run them (`test/docs.test.ts`, the consumer harness).
 *
 * A block may be marked by an HTML comment on the line right before its opening fence (invisible on GitHub
 * and npm): `<!-- docs-test: KIND ARGUMENT -->`. The kinds are documented in `test/docs/README.md`.
 */
import { readFileSync } from "node:fs";

/** What a `<!-- docs-test: … -->` mark asks for. */
export interface BlockAnnotation {
  /** The first word after `docs-test:`. */
  kind: string;
  /** The rest of the comment (a reason, a name). */
  argument: string;
}

/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  file: string;
  /** 1-based line of the block's first code line in `file`. */
  line: number;
  /** The info string's first word (`ts`, `sh`, `json`, …). */
  lang: string;
  /** The code, with the fence's indentation removed. */
  code: string;
  annotation: BlockAnnotation | undefined;
}

const ANNOTATION = /^\s*<!--\s*docs-test:\s*([\w-]+)\s*(.*?)\s*-->\s*$/;

/** Every fenced code block of `file`, with its annotation. */
export function readmeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !lines[j]!.trimStart().startsWith(fence); j++) body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!);
    const mark = i > 0 ? ANNOTATION.exec(lines[i - 1]!) : null;
    blocks.push({ file, line: i + 2, lang, code: body.join("\n"), annotation: mark ? { kind: mark[1]!, argument: mark[2]! } : undefined });
    i = j;
  }
  return blocks;
}

/** TypeScript blocks (`ts`, `typescript`, `tsx`). */
export const isTypeScript = (block: CodeBlock): boolean => ["ts", "typescript", "mts"].includes(block.lang);
