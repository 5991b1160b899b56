/** What worker threads inherit from the parent's command line. */
import { describe, expect, it } from "vitest";

import { workerExecArgv } from "./worker.js";

describe("workerExecArgv", () => {
  it("inherits (undefined) unless there are main-entry-only options, which it drops with their values", () => {
    // `node --input-type=module --eval …` made every worker fail to start before (the exit test runs it for real).
    expect(workerExecArgv([])).toBeUndefined();
    expect(workerExecArgv(["--max-old-space-size=512", "--enable-source-maps"])).toBeUndefined();
    expect(workerExecArgv(["--input-type=module", "--eval", "import 'x'", "--max-old-space-size=512"])).toEqual(["--max-old-space-size=512"]);
    expect(workerExecArgv(["--input-type", "module", "-e", "code", "--enable-source-maps"])).toEqual(["--enable-source-maps"]);
    expect(workerExecArgv(["-p", "1+1", "--import", "tsx"])).toEqual(["--import", "tsx"]);
    expect(workerExecArgv(["--conditions=dev", "--print=1"])).toEqual(["--conditions=dev"]);
  });
});
