import { describe, expect, it } from "vitest";

import { withWorkerThreads } from "./worker.js";

describe("intra-op threads of worker sessions", () => {
  it("leaves one worker to onnxruntime's default (every core) and shares the cores out between several", () => {
    expect(withWorkerThreads({}, 1, 16)).toEqual({});
    expect(withWorkerThreads({}, 2, 2)).toEqual({ intraOpNumThreads: 1 });
    expect(withWorkerThreads({ enableCpuMemArena: false }, 4, 16)).toEqual({ enableCpuMemArena: false, intraOpNumThreads: 4 });
    expect(withWorkerThreads({}, 3, 2)).toEqual({ intraOpNumThreads: 1 }); // never 0
  });

  it("keeps the caller's explicit thread count", () => {
    expect(withWorkerThreads({ intraOpNumThreads: 2 }, 2, 2)).toEqual({ intraOpNumThreads: 2 });
  });
});
