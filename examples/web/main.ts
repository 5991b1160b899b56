/**
 * The browser demo: loads models/default by URL into onnxruntime-web through the browser build of
 * @semantic-highlight/core (picked by the package's "browser" export condition), highlights a pasted
 * document and shows scores and the token saving.
 */
import { renderHighlights, WebHighlighter, type HighlightResult } from "@semantic-highlight/core";

const MODEL_URL = new URL("models/default/", document.baseURI).href;
const EXAMPLE = {
  query: "When was the tower completed?",
  document:
    "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris. It is named after the engineer Gustave Eiffel, whose company designed and built it. " +
    "Construction began in 1887, and the tower was completed in March 1889 as the centrepiece of the World's Fair. " +
    "Locals criticised its design at first. Today it is one of the most recognisable structures in the world.",
};

declare global {
  interface Window {
    /** The last result, for tests and the console. */
    semanticHighlightResult?: HighlightResult;
  }
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>("status");
const form = $<HTMLFormElement>("form");
const query = $<HTMLInputElement>("query");
const doc = $<HTMLTextAreaElement>("document");
const threshold = $<HTMLInputElement>("threshold");
const thresholdValue = $<HTMLOutputElement>("threshold-value");
const run = $<HTMLButtonElement>("run");
const resultSection = $<HTMLElement>("result");
const errorBox = $<HTMLParagraphElement>("error");

query.value = EXAMPLE.query;
doc.value = EXAMPLE.document;

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function showError(error: unknown): void {
  errorBox.hidden = false;
  errorBox.textContent = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  document.body.dataset.state = "error";
}

function show(result: HighlightResult, ms: number, device: string): void {
  const c = result.compression;
  $("summary").innerHTML =
    `Kept <b>${result.keptSentences.length}</b> of <b>${result.sentences.length}</b> sentences · ` +
    `tokens <b>${c.tokensBefore} → ${c.tokensAfter}</b> (saved <b>${pct(c.tokenReduction)}</b>) · ` +
    `characters ${c.charactersBefore} → ${c.charactersAfter} · rerank ${result.rerankScore.toFixed(3)} · ${ms.toFixed(0)} ms on ${device}`;
  $("output").innerHTML = renderHighlights(result, { format: "html", wrapPruned: true });
  $("scores").querySelector("tbody")!.innerHTML = result.sentences
    .map((s) => `<tr class="${s.kept ? "kept" : ""}" data-index="${s.index}" data-score="${s.score}"><td class="num">${s.index}</td><td class="num">${s.score.toFixed(3)}</td><td>${s.kept ? "✓" : ""}</td><td>${escape(s.text.trim())}</td></tr>`)
    .join("");
  resultSection.hidden = false;
}

async function main(): Promise<void> {
  const started = performance.now();
  const highlighter = await WebHighlighter.load(MODEL_URL, {
    numThreads: 1,
    onProgress: (loaded, total) => (status.textContent = `Downloading the model… ${(loaded / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)}` : ""} MB`),
  });
  threshold.value = String(highlighter.config.threshold);
  thresholdValue.textContent = threshold.value;
  threshold.addEventListener("input", () => (thresholdValue.textContent = threshold.value));
  status.textContent = `Model ${highlighter.config.name} ready on ${highlighter.device} in ${((performance.now() - started) / 1000).toFixed(1)} s (threshold ${highlighter.config.threshold}).`;
  run.disabled = false;
  document.body.dataset.state = "ready";

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void (async () => {
      errorBox.hidden = true;
      run.disabled = true;
      document.body.dataset.state = "running";
      try {
        const t0 = performance.now();
        const result = await highlighter.highlightOne(query.value, doc.value, { threshold: Number(threshold.value) });
        show(result, performance.now() - t0, highlighter.device);
        window.semanticHighlightResult = result;
        document.body.dataset.state = "done";
      } catch (error) {
        showError(error);
      } finally {
        run.disabled = false;
      }
    })();
  });
}

main().catch((error: unknown) => {
  status.textContent = "The model could not be loaded.";
  showError(error);
});
