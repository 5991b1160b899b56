/**
 * The browser demo (examples/web) in a real browser: Debian's `chromium`, driven by playwright-core (no
 * browser download). Builds the page with Vite, serves it on 127.0.0.1, types a query and a document, waits
 * for the highlights and checks that the marked sentences and their scores are Node's (onnxruntime-node,
 * in-process) for the same input. Saves a screenshot to test/artifacts/ (git-ignored).
 *
 * There is no skip: without a browser this test fails, telling how to install one (.ci/run does it).
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium, type Browser } from "playwright-core";
import { build, preview, type PreviewServer } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SemanticHighlighter } from "@semantic-highlight/core";
import { runEval, type ScoredItem } from "../packages/cli/src/eval/run.js";
import { evalReportPage } from "../packages/cli/src/report/eval-report.js";
import { chromiumPath } from "./support/chromium.js";

const repo = fileURLToPath(new URL("../", import.meta.url));
const demoRoot = path.join(repo, "examples/web");
const artifacts = path.join(repo, "test/artifacts");

const QUERY = "大熊猫主要吃什么？";
const DOCUMENT =
  "大熊猫是中国特有的物种，被誉为国宝。它们的食物几乎全部是竹子，每天要吃十几公斤。\n" +
  "The giant panda lives in the mountains of central China. Its diet is almost entirely bamboo, and it eats for up to 14 hours a day. " +
  "Pandas were first described to Western science in 1869.";

describe("the browser demo in Chromium matches Node", () => {
  let server: PreviewServer;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    const executablePath = chromiumPath(); // fails the suite at once when there is no browser
    if (!existsSync(path.join(repo, "packages/core/dist/index.web.js"))) throw new Error("packages/core/dist/index.web.js is missing: run `npm run build` first (npm test does)");
    await build({ configFile: path.join(demoRoot, "vite.config.ts"), logLevel: "warn" });
    server = await preview({ configFile: path.join(demoRoot, "vite.config.ts"), preview: { host: "127.0.0.1", port: 0, strictPort: false }, logLevel: "warn" });
    url = server.resolvedUrls!.local[0]!;
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("types a query and a document, highlights them like Node does, and saves a screenshot", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 45_000 });
    const threshold = Number(await page.inputValue("#threshold"));

    await page.fill("#query", "");
    await page.type("#query", QUERY);
    await page.fill("#document", "");
    await page.locator("#document").pressSequentially(DOCUMENT.slice(0, 40)); // typed like a person…
    await page.fill("#document", DOCUMENT); // …then pasted
    await page.click("#run");
    await page.waitForSelector('body[data-state="done"]', { timeout: 30_000 });

    const marks = await page.$$eval("#output mark", (els) => els.map((m) => ({ index: Number(m.getAttribute("data-index")), text: m.textContent })));
    const browserScores = await page.evaluate(() => (globalThis as unknown as { semanticHighlightResult: { sentenceScores: number[] } }).semanticHighlightResult.sentenceScores);
    const summary = await page.textContent("#summary");
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, "web-demo.png"), fullPage: true });
    expect(errors).toEqual([]);

    const node = await SemanticHighlighter.load(path.join(repo, "models/default"), { backend: { kind: "in-process" } });
    try {
      const expected = await node.highlightOne(QUERY, DOCUMENT, { threshold });
      expect(expected.keptSentences.length).toBeGreaterThan(0);
      expect(marks).toEqual(expected.keptSentences.map((s) => ({ index: s.index, text: s.text.trim() })));
      expect(browserScores).toHaveLength(expected.sentenceScores.length);
      browserScores.forEach((score, i) => expect(Math.abs(score - expected.sentenceScores[i]!)).toBeLessThanOrEqual(1e-4));
      expect(summary).toContain(`tokens ${expected.compression.tokensBefore} → ${expected.compression.tokensAfter}`);
    } finally {
      await node.dispose();
    }
  }, 150_000); // page load (45 s) and highlighting (30 s) waits inside, on a busy machine

  it("the eval report's filter buttons show only the items with misses / false keeps", async () => {
    const items = [
      { id: "a", lang: "en", query: "Where is the tower?", sentences: ["The tower is in Paris. ", "Bread."], labels: [1, 0] as (0 | 1)[], answers: [] },
      { id: "b", lang: "en", query: "When was it built?", sentences: ["It rains. ", "Built in 1889."], labels: [0, 1] as (0 | 1)[], answers: [] },
      { id: "c", lang: "en", query: "Who?", sentences: ["Nobody. "], labels: [0] as (0 | 1)[], answers: [] },
    ];
    let scored: readonly ScoredItem[] = [];
    const report = await runEval({ items, method: { kind: "bm25" }, threshold: 0.5, onScored: (s) => (scored = s) });
    const fixed = scored.map((s, i) => ({ ...s, scores: [[0.9, 0.1], [0.8, 0.1], [0.1]][i]! }));
    const page = await browser.newPage();
    await page.setContent(evalReportPage(report, fixed));
    const visible = () => page.$$eval("section.item", (els) => els.filter((e) => (e as unknown as { offsetParent: unknown }).offsetParent !== null).map((e) => e.id));
    expect(await visible()).toEqual(["item-0", "item-1", "item-2"]);
    await page.click('button[data-filter="miss"]');
    expect(await visible()).toEqual(["item-1"]);
    await page.click('button[data-filter="negative"]');
    expect(await visible()).toEqual(["item-2"]);
    await page.click('button[data-filter="perfect"]');
    expect(await visible()).toEqual(["item-0"]);
    expect(await page.textContent("#shown")).toBe("1 shown");
    await page.close();
  });
});
