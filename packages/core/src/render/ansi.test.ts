import { describe, expect, it } from "vitest";

import { ANSI_CODES, renderAnsi, shouldUseColor } from "./ansi.js";
import { renderHighlights } from "./index.js";
import { fixtureResult } from "./test-results.js";

const text = "The Eiffel Tower is in Paris. It was completed in 1889. Paris is also home to the Louvre.";
const { bold, yellow, brightYellow, dim, reset } = ANSI_CODES;

describe("renderAnsi", () => {
  it("without colour marks kept sentences with [[…]] and emits no escape sequence", () => {
    const out = renderAnsi(fixtureResult(text, [0.2, 0.91, 0.1]));
    expect(out).toBe("The Eiffel Tower is in Paris. [[It was completed in 1889.]] Paris is also home to the Louvre.");
    expect(renderAnsi(fixtureResult(text, [0.2, 0.91, 0.1]), { scores: true })).toContain("[[It was completed in 1889.]] ⟨0.910⟩ ");
  });

  it("with colour: bold yellow (bright from 0.8), pruned text dimmed", () => {
    const out = renderHighlights(fixtureResult(text, [0.6, 0.91, 0.1]), { format: "ansi", color: true });
    expect(out).toBe(`${bold}${yellow}The Eiffel Tower is in Paris.${reset} ${bold}${brightYellow}It was completed in 1889.${reset} ${dim}Paris is also home to the Louvre.${reset}`);
  });

  it("neutralises escape sequences and other control characters in the document", () => {
    const hostile = "Normal text. \x1b[2J\x1b]0;pwned\x07Clear screen. Tab\tand C1 \u009b31m.";
    for (const color of [true, false]) {
      const out = renderAnsi(fixtureResult(hostile, [0.9, 0.9, 0.9]), { color });
      const ours = out.split(/\x1b\[(?:0|1|2|33|93)m/).join("");
      expect(ours).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      expect(out).toContain("␛[2J␛]0;pwned␇Clear screen.");
      expect(out).toContain("\t");
      expect(out).toContain("\uFFFD31m.");
    }
  });

  it("shouldUseColor: NO_COLOR and non-terminals turn colour off, FORCE_COLOR on", () => {
    expect(shouldUseColor({}, true)).toBe(true);
    expect(shouldUseColor({}, false)).toBe(false);
    expect(shouldUseColor({ NO_COLOR: "1" }, true)).toBe(false);
    expect(shouldUseColor({ NO_COLOR: "" }, true)).toBe(true); // no-color.org: only a non-empty value counts
    expect(shouldUseColor({ FORCE_COLOR: "1" }, false)).toBe(true);
    expect(shouldUseColor({ FORCE_COLOR: "0" }, false)).toBe(false);
    expect(shouldUseColor({ NO_COLOR: "1", FORCE_COLOR: "1" }, true)).toBe(false);
    expect(shouldUseColor({ TERM: "dumb" }, true)).toBe(false);
  });
});
