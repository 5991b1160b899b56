/**
 * onnxruntime-node is an optional peer dependency: importing core never needs it, and the first session without
 * it fails with MissingDependencyError saying what to install. (The real thing — a consumer project installed
 * without onnxruntime-node — is in test/packaging.test.ts; here the package is made unloadable with vi.mock.)
 */
import { describe, expect, it, vi } from "vitest";

vi.mock("onnxruntime-node", () => {
  throw new Error("Cannot find package 'onnxruntime-node'");
});

import { MissingDependencyError } from "../errors.js";
import { testModels } from "../test-support/models.js";
import { SemanticHighlighter } from "../highlighter.js";
import { loadOnnxRuntimeNode } from "./onnx-session.js";

describe("without onnxruntime-node", () => {
  it("loading a model in process rejects with MissingDependencyError naming the package to install", async () => {
    const error = await SemanticHighlighter.load(testModels.tinyXlmr, { backend: "in-process" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect((error as MissingDependencyError).code).toBe("MISSING_DEPENDENCY");
    expect((error as MissingDependencyError).dependency).toBe("onnxruntime-node");
    expect((error as Error).message).toContain("npm install onnxruntime-node");
  });

  it("tries again on the next call instead of caching the failure", async () => {
    await expect(loadOnnxRuntimeNode()).rejects.toBeInstanceOf(MissingDependencyError);
    await expect(loadOnnxRuntimeNode()).rejects.toBeInstanceOf(MissingDependencyError);
  });
});
