#!/usr/bin/env bash
# Builds the CLI and writes docs/eval-results.md: keep-all, BM25 (top-1 and a threshold) and the default
# model at its configured threshold (plus a threshold sweep from the same pass) on every eval set, on its
# unpunctuated variant and on its lexically hard subset (tools/eval/make-eval-variants.mjs writes those to
# $EVAL_VARIANTS, default $TMPDIR/semantic-highlight-eval-variants, outside the repository), and checks
# issue 11's goals (F1 vs BM25 top-1, compression, unpunctuated gap).
#
#   tools/eval/run-eval-table.sh                 # eval sets from ../shared/data/eval, model models/default
#   SEMANTIC_HIGHLIGHT_MODEL=DIR tools/eval/run-eval-table.sh
#   EVAL_DATA=/path/to/eval EVAL_OUT=docs/eval-results.md tools/eval/run-eval-table.sh
#   EVAL_PREVIOUS_REV=<git revision> tools/eval/run-eval-table.sh   # also the default model of that revision
#                                                                  # (extracted with git archive to a temp folder)
#
# Without a model (no models/default and no $SEMANTIC_HIGHLIGHT_MODEL) the model row says so and the
# baselines are still written.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if [[ "${SKIP_BUILD:-}" != "1" ]]; then
  TURBO_TELEMETRY_DISABLED=1 npx turbo run build --filter=semantic-highlight --output-logs=errors-only
fi
if [[ -n "${EVAL_PREVIOUS_REV:-}" ]]; then
  prev="${TMPDIR:-/tmp}/semantic-highlight-previous-default"
  rm -rf "$prev" && mkdir -p "$prev"
  git archive "$EVAL_PREVIOUS_REV" models/default | tar -x -C "$prev"
  export EVAL_PREVIOUS_MODEL="$prev/models/default"
  export EVAL_PREVIOUS_LABEL="${EVAL_PREVIOUS_LABEL:-$(git rev-parse --short "$EVAL_PREVIOUS_REV")}"
fi
exec node tools/eval/eval-table.mjs "$@"
