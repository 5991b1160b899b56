/**
 * vitest globalSetup: one scratch folder per test run, outside the repository, where the consumer projects of
 * `test/support/consumer.ts` are prepared once (packed tarballs, installed consumers) and shared by every test
 * file of the run; removed at the end of the run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's scratch folder for consumer projects (see test/support/consumer.ts). */
    consumerRunDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), "sh-consumers-"));
  project.provide("consumerRunDir", dir);
  return () => {
    if (process.env.SH_KEEP_CONSUMERS) console.error(`consumer projects kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
