import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { segmentSentences, type SegmentationOptions, type SentenceSpan } from "./segmentation.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const evalDir = path.resolve(here, "../../../../../shared/data/eval");

/** Sentence texts, after checking that the spans tile the text exactly. */
function texts(text: string, options?: SegmentationOptions): string[] {
  return expectTiling(text, segmentSentences(text, options)).map((s) => s.text);
}

/** Assert the tiling contract and return the spans (one assertion, so 1 MB stays fast). */
function expectTiling(text: string, spans: SentenceSpan[]): SentenceSpan[] {
  expect(tilingError(text, spans)).toBeNull();
  return spans;
}

/** The first way `spans` break the contract, or null. */
function tilingError(text: string, spans: SentenceSpan[]): string | null {
  let pos = 0;
  for (const span of spans) {
    if (span.start !== pos) return `span starts at ${span.start}, expected ${pos}`;
    if (span.end <= span.start) return `empty span at ${pos}`;
    if (span.text !== text.slice(span.start, span.end)) return `text differs from slice at ${pos}`;
    if (spans.length > 1 && span.text.trim() === "") return `whitespace-only span at ${pos}`;
    pos = span.end;
  }
  return pos === text.length ? null : `spans end at ${pos}, text at ${text.length}`;
}

interface EvalItem {
  lang: string;
  sentences: string[];
}

function readEval(file: string, limit: number): EvalItem[] {
  return readFileSync(path.join(evalDir, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(0, limit)
    .map((line) => JSON.parse(line) as EvalItem);
}

describe("segmentSentences: edge inputs", () => {
  it("returns no spans for the empty string", () => {
    expect(segmentSentences("")).toEqual([]);
  });

  it("returns whitespace-only text as one span so nothing is lost", () => {
    expect(segmentSentences("  \n\t ")).toEqual([{ text: "  \n\t ", start: 0, end: 5 }]);
  });

  it("attaches leading whitespace to the first sentence and trailing whitespace to the last", () => {
    expect(texts("  \n  First one. Second one.  \n\n ")).toEqual(["  \n  First one. ", "Second one.  \n\n "]);
  });

  it("returns text without a terminator as one sentence", () => {
    expect(texts("no terminator here")).toEqual(["no terminator here"]);
  });

  it("rejects a non-positive maxSentenceChars", () => {
    expect(() => segmentSentences("a", { maxSentenceChars: 0 })).toThrow(RangeError);
  });
});

describe("segmentSentences: English abbreviations", () => {
  it("does not split after titles", () => {
    expect(texts("Dr. Smith met Mr. Jones and Mrs. Brown. Prof. Lee was late.")).toEqual([
      "Dr. Smith met Mr. Jones and Mrs. Brown. ",
      "Prof. Lee was late.",
    ]);
    expect(texts("Gen. Patton and Sgt. York climbed Mt. Everest with St. John.")).toHaveLength(1);
  });

  it("does not split after e.g., i.e., vs., etc. inside a sentence", () => {
    expect(texts("Use a tool, e.g. Vitest, i.e. a runner. Cats vs. Dogs is a film.")).toEqual([
      "Use a tool, e.g. Vitest, i.e. a runner. ",
      "Cats vs. Dogs is a film.",
    ]);
    expect(texts("Apples, pears, etc. are fruit. They grow on trees.")).toEqual([
      "Apples, pears, etc. are fruit. ",
      "They grow on trees.",
    ]);
  });

  it("splits after etc. and U.S. when a typical sentence opener follows", () => {
    expect(texts("We sell pens, paper, etc. The shop opens at nine.")).toEqual([
      "We sell pens, paper, etc. ",
      "The shop opens at nine.",
    ]);
    expect(texts("I live in the U.S. It is big.")).toEqual(["I live in the U.S. ", "It is big."]);
  });

  it("keeps dotted acronyms and company suffixes inside a sentence", () => {
    expect(texts("The U.S. Army and the U.K. Navy met Apple Inc. Chief Tim Cook.")).toHaveLength(1);
  });

  it("does not split after numbered references but does after a bare No.", () => {
    expect(texts("See Fig. 3 and No. 5 on p. 12. No. It is not there.")).toEqual([
      "See Fig. 3 and No. 5 on p. 12. ",
      "No. ",
      "It is not there.",
    ]);
  });

  it("does not split after month abbreviations before a date", () => {
    expect(texts("It opened on Jan. 5 and closed in Sept. 2001. Nobody came.")).toEqual([
      "It opened on Jan. 5 and closed in Sept. 2001. ",
      "Nobody came.",
    ]);
  });
});

describe("segmentSentences: initials", () => {
  it("keeps chains of initials with the surname", () => {
    expect(texts("J. R. R. Tolkien wrote it. John F. Kennedy read it.")).toEqual([
      "J. R. R. Tolkien wrote it. ",
      "John F. Kennedy read it.",
    ]);
  });

  it("still splits after a single capital letter that ends a sentence before an opener", () => {
    expect(texts("Take vitamin C. The doctor said so.")).toEqual(["Take vitamin C. ", "The doctor said so."]);
  });

  it("treats I. as a Roman numeral, not an initial", () => {
    expect(texts("It began after World War I. Germany was in ruins.")).toHaveLength(2);
  });
});

describe("segmentSentences: numbers", () => {
  it("keeps decimals and version numbers inside the sentence", () => {
    expect(texts("Pi is about 3.14 here. Version v1.2.3 shipped in 2024. It costs approx. 5 dollars.")).toEqual([
      "Pi is about 3.14 here. ",
      "Version v1.2.3 shipped in 2024. ",
      "It costs approx. 5 dollars.",
    ]);
  });

  it("splits before a sentence that starts with a number", () => {
    expect(texts("Most live in East Africa. 621,200 of them are in Kenya.")).toEqual([
      "Most live in East Africa. ",
      "621,200 of them are in Kenya.",
    ]);
  });
});

describe("segmentSentences: quotes and brackets", () => {
  it("keeps a closing quote with the sentence it closes", () => {
    expect(texts('He said "Stop." Then he left.')).toEqual(['He said "Stop." ', "Then he left."]);
    expect(texts("He said “Stop.” Then he left.")).toEqual(["He said “Stop.” ", "Then he left."]);
  });

  it("keeps a closing quote when the quotation spans several sentences", () => {
    expect(texts('"Goodness me. There are five of me now." In 2010 he returned.')).toEqual([
      '"Goodness me. ',
      'There are five of me now." ',
      "In 2010 he returned.",
    ]);
  });

  it("does not split when a question or exclamation mark is followed by lower case", () => {
    expect(texts('"Why?" she asked. The theory[when?] was dropped.')).toEqual([
      '"Why?" she asked. ',
      "The theory[when?] was dropped.",
    ]);
  });
});

describe("segmentSentences: line structure", () => {
  it("always ends a sentence at a blank line", () => {
    expect(texts("First paragraph without a stop\n\nSecond paragraph.")).toEqual([
      "First paragraph without a stop\n\n",
      "Second paragraph.",
    ]);
  });

  it("makes each bullet its own sentence, for several bullet styles", () => {
    const text = "Shopping:\n- milk\n- eggs\n* bread\n• jam\n· tea\n1. one\n2) two\na) three\n(iv) four";
    expect(texts(text)).toEqual([
      "Shopping:\n",
      "- milk\n",
      "- eggs\n",
      "* bread\n",
      "• jam\n",
      "· tea\n",
      "1. one\n",
      "2) two\n",
      "a) three\n",
      "(iv) four",
    ]);
  });

  it("makes Chinese list items their own sentences", () => {
    expect(texts("要求如下\n（一）安全第一\n（二）质量第二\n三、按时完成\n① 备注")).toEqual([
      "要求如下\n",
      "（一）安全第一\n",
      "（二）质量第二\n",
      "三、按时完成\n",
      "① 备注",
    ]);
  });

  it("makes headings their own sentences", () => {
    expect(texts("# Install\nRun the installer and wait.\nGetting Started Quickly\nOpen the app. Click start.")).toEqual([
      "# Install\n",
      "Run the installer and wait.\n",
      "Getting Started Quickly\n",
      "Open the app. ",
      "Click start.",
    ]);
    expect(texts(" = Robert Boulter = \r\n Robert Boulter is an English actor . \r\n")).toEqual([
      " = Robert Boulter = \r\n ",
      "Robert Boulter is an English actor . \r\n",
    ]);
  });

  it("does not split hard-wrapped English prose at single newlines", () => {
    const text =
      "The quick brown fox jumps over the lazy dog and then keeps running until\n" +
      "it reaches the river, where Mr.\nSmith waits with a boat for the\nFlorida trip.\nThen it rests.";
    expect(texts(text)).toEqual([
      "The quick brown fox jumps over the lazy dog and then keeps running until\n" +
        "it reaches the river, where Mr.\nSmith waits with a boat for the\nFlorida trip.\n",
      "Then it rests.",
    ]);
  });

  it("handles CRLF line endings", () => {
    expect(texts("Title\r\n\r\nBody text.\r\n- item\r\n")).toEqual(["Title\r\n\r\n", "Body text.\r\n", "- item\r\n"]);
  });
});

describe("segmentSentences: Chinese", () => {
  it("splits at 。！？； and a Chinese ellipsis", () => {
    expect(texts("他来了。你好吗？很好！他走了；她来了……然后呢？")).toEqual([
      "他来了。",
      "你好吗？",
      "很好！",
      "他走了；",
      "她来了……",
      "然后呢？",
    ]);
  });

  it("keeps closing quotes and brackets with the sentence they close, and opening ones with the next", () => {
    expect(texts("他说：“我走了。”她说：「好！」（完。）“下次见。”")).toEqual([
      "他说：“我走了。”",
      "她说：「好！」",
      "（完。）",
      "“下次见。”",
    ]);
  });

  it("splits at every newline in Chinese text", () => {
    expect(texts("第一行没有标点\n第二行也没有\n第三行。")).toEqual(["第一行没有标点\n", "第二行也没有\n", "第三行。"]);
  });

  it("does not split at an ASCII period used as a separator inside Chinese", () => {
    expect(texts("学到碧海潮生.风雷九州.少林七十三绝技。英文名S.K. To，自幼长大。")).toEqual([
      "学到碧海潮生.风雷九州.少林七十三绝技。",
      "英文名S.K. To，自幼长大。",
    ]);
  });

  it("does not end a sentence at a terminator inside a book title", () => {
    expect(texts("节目《桃之阵!》（桃の阵!）亦有邀请阵内担任主持。")).toHaveLength(1);
  });
});

describe("segmentSentences: mixed and astral text", () => {
  it("splits mixed English and Chinese", () => {
    expect(texts("This is English. 这是中文。Mixed text here. 好的！")).toEqual([
      "This is English. ",
      "这是中文。",
      "Mixed text here. ",
      "好的！",
    ]);
  });

  it("keeps offsets exact around emoji and astral characters", () => {
    const text = "Hi 😀 there. 𝒳 is math. 𠀀是汉字。👨‍👩‍👧 family!";
    const spans = expectTiling(text, segmentSentences(text));
    expect(spans.map((s) => s.text)).toEqual(["Hi 😀 there. ", "𝒳 is math. ", "𠀀是汉字。", "👨‍👩‍👧 family!"]);
    expect(spans[1]!.start).toBe(text.indexOf("𝒳"));
    expect(spans[2]!.start).toBe(text.indexOf("𠀀"));
  });
});

describe("segmentSentences: long sentences", () => {
  it("cuts an over-long sentence at whitespace near the limit", () => {
    const text = "word ".repeat(100).trim() + ".";
    const spans = expectTiling(text, segmentSentences(text, { maxSentenceChars: 64 }));
    expect(spans.length).toBeGreaterThan(7);
    for (const s of spans) {
      expect(s.end - s.start).toBeLessThanOrEqual(64);
      expect(s.text.startsWith("word")).toBe(true);
    }
  });

  it("prefers cutting after punctuation", () => {
    const text = "alpha beta gamma, delta epsilon zeta eta theta iota kappa lambda";
    expect(texts(text, { maxSentenceChars: 30 })[0]).toBe("alpha beta gamma, ");
    expect(texts("一二三四五六七八九十，一二三四五六七八九十一二三四五", { maxSentenceChars: 16 })[0]).toBe(
      "一二三四五六七八九十，",
    );
  });

  it("never cuts inside a surrogate pair or a combining sequence", () => {
    const text = "😀".repeat(50) + "e\u0301".repeat(50) + "👍🏽".repeat(20);
    for (const max of [1, 3, 7, 10]) {
      for (const s of expectTiling(text, segmentSentences(text, { maxSentenceChars: max }))) {
        const first = s.text.charCodeAt(0);
        expect(first >= 0xdc00 && first <= 0xdfff).toBe(false);
        expect(/^[\u0301\u{1F3FB}-\u{1F3FF}]/u.test(s.text)).toBe(false);
      }
    }
  });

  it("does not cut when maxSentenceChars is Infinity", () => {
    const text = "x".repeat(5000);
    expect(texts(text, { maxSentenceChars: Infinity })).toEqual([text]);
  });
});

describe("segmentSentences: tiling property", () => {
  it("segments a 1 MB document and tiles it exactly", () => {
    const block =
      "Dr. Smith wrote 3.14 pages. 他说：“好。”Then he left!\n- item one\n# Heading\n" +
      "A hard-wrapped line that goes\non and on, e.g. here 😀.\n\n";
    const text = block.repeat(Math.ceil(1_000_000 / block.length));
    const spans = expectTiling(text, segmentSentences(text));
    expect(spans.length).toBeGreaterThan(40_000);
  });

  it("tiles one 1 MB sentence without spaces", () => {
    const text = "字".repeat(1_000_000);
    const spans = expectTiling(text, segmentSentences(text));
    expect(spans).toHaveLength(1000);
  });

  it("tiles the first 200 eval documents of each language", () => {
    for (const file of ["squad-dev-en.jsonl", "cmrc-trial-zh.jsonl"]) {
      const items = readEval(file, 200);
      expect(items.length).toBe(200);
      for (const item of items) {
        const doc = item.sentences.join("");
        expectTiling(doc, segmentSentences(doc));
      }
      const joined = items.map((item) => item.sentences.join("")).join("\n");
      expectTiling(joined, segmentSentences(joined));
    }
  });

  it("tiles random text built from tricky pieces, at random length limits", () => {
    const pieces = [
      "a", "B", " ", "\n", "\n\n", ".", "?", "!", "。", "；", "…", "“", "”", '"', "(", ")", "Dr.",
      "U.S.", "J.", "3.14", "😀", "𠀀", "\u0301", "- ", "1. ", "中", "\r\n", "\t", "👍🏽", "👨‍👩‍👧",
    ];
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 2000; i++) {
      let text = "";
      const n = Math.floor(random() * 60);
      for (let j = 0; j < n; j++) text += pieces[Math.floor(random() * pieces.length)];
      const spans = segmentSentences(text, { maxSentenceChars: 1 + Math.floor(random() * 30) });
      expectTiling(text, spans);
      for (const s of spans) {
        const first = s.text.charCodeAt(0);
        expect(first >= 0xdc00 && first <= 0xdfff).toBe(false);
      }
    }
  });
});

describe("segmentSentences: agreement with the eval sets' sentence splits", () => {
  it("reproduces most gold boundaries of the first 200 documents per language", () => {
    // A loose floor, not a benchmark: the full sets agree at F1 ≈ 0.996.
    for (const file of ["squad-dev-en.jsonl", "cmrc-trial-zh.jsonl"]) {
      let agree = 0;
      let total = 0;
      for (const item of readEval(file, 200)) {
        const doc = item.sentences.join("");
        const gold = new Set<number>();
        let offset = 0;
        for (const s of item.sentences.slice(0, -1)) gold.add((offset += s.length));
        const mine = segmentSentences(doc).slice(1).map((s) => s.start);
        total += gold.size + mine.length;
        agree += 2 * mine.filter((b) => gold.has(b)).length;
      }
      expect(agree / total).toBeGreaterThan(0.97);
    }
  });
});
