/**
 * The shell of the CLI's self-contained HTML pages (highlight output, eval reports): one file, inline CSS
 * and script, no external resources, so it opens from disk anywhere and can be attached to an issue.
 */
import { escapeHtml } from "@semantic-highlight/core/internal";

/** Styles shared by the CLI's pages: score-coloured marks, gold markers, badges, the metric table. */
export const PAGE_CSS = `
:root { color-scheme: light; --ink: #1d2433; --muted: #5f6b7a; --line: #d9dee5; --bg: #f7f8fa; --card: #fff;
  --keep: 255, 204, 0; --gold: #1a7f37; --miss: #cf222e; --false: #bc4c00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif; color: var(--ink); background: var(--bg); }
header.top { position: sticky; top: 0; z-index: 2; background: var(--card); border-bottom: 1px solid var(--line); padding: 12px 24px; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 64px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 0; }
.muted { color: var(--muted); }
table.metrics { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
table.metrics th, table.metrics td { border: 1px solid var(--line); padding: 3px 10px; text-align: right; }
table.metrics th:first-child, table.metrics td:first-child { text-align: left; }
table.metrics thead th { background: var(--bg); }
.doc { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.9; }
.sh-mark, .s { border-radius: 3px; padding: 1px 0; }
.s[data-kept="1"] { font-weight: 600; box-shadow: inset 0 -2px 0 rgba(0,0,0,.45); }
.s.gold { outline: 2px solid var(--gold); outline-offset: 1px; }
.s.gold::before { content: "★"; color: var(--gold); font-size: 11px; vertical-align: super; margin-right: 1px; }
.s.fn { outline: 2px dashed var(--miss); }
.s.fn::before { content: "✗ missed"; color: #fff; background: var(--miss); font-size: 10px; padding: 0 3px; border-radius: 3px; vertical-align: super; margin-right: 2px; }
.s.fp { outline: 2px dotted var(--false); }
.s.fp::before { content: "false keep"; color: #fff; background: var(--false); font-size: 10px; padding: 0 3px; border-radius: 3px; vertical-align: super; margin-right: 2px; }
.score { font-size: 10px; color: var(--muted); vertical-align: super; margin-left: 1px; font-variant-numeric: tabular-nums; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 12px 0; }
.card.hidden { display: none; }
.query { font-weight: 600; margin: 4px 0 8px; }
.badge { display: inline-block; font-size: 12px; border-radius: 10px; padding: 0 8px; margin-left: 6px; border: 1px solid var(--line); background: var(--bg); }
.badge.miss { background: #ffebe9; border-color: #ffc1bc; color: var(--miss); }
.badge.false { background: #fff1e5; border-color: #ffd8b5; color: var(--false); }
.badge.ok { background: #dafbe1; border-color: #aceebb; color: var(--gold); }
.filters { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; margin-top: 8px; }
.filters button { font: inherit; font-size: 13px; padding: 3px 10px; border-radius: 14px; border: 1px solid var(--line); background: var(--card); cursor: pointer; }
.filters button[aria-pressed="true"] { background: var(--ink); color: #fff; border-color: var(--ink); }
.legend span.s, .legend .sw { margin-right: 10px; }
.index a { margin-right: 6px; font-size: 13px; }
details.index { margin: 6px 0; }
.scale { display: inline-block; width: 120px; height: 10px; vertical-align: middle; border-radius: 2px; background: linear-gradient(90deg, rgba(var(--keep), .06), rgba(var(--keep), 1)); }
`;

/** A complete HTML document with the shared styles; `body` and `script` are trusted markup. */
export function htmlPage(title: string, body: string, script = ""): string {
  return (
    `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>${escapeHtml(title)}</title>\n<style>${PAGE_CSS}</style>\n</head>\n<body>\n${body}\n` +
    (script ? `<script>${script}</script>\n` : "") +
    `</body>\n</html>\n`
  );
}

/** Background colour of a sentence with this score: the highlighter yellow, opacity following the score. */
export function scoreBackground(score: number): string {
  const s = Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : 0;
  return `rgba(var(--keep), ${(0.04 + 0.96 * s).toFixed(2)})`;
}
