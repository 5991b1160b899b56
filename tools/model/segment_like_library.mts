// Sentence spans of texts as the library segments them (packages/core/src/segmentation.ts, run from source by tsx),
// for train_default.py: its Markdown / list training examples are split exactly like the pipeline splits documents.
//   node_modules/.bin/tsx tools/model/segment_like_library.mts < texts.json > spans.json
// stdin: JSON array of strings; stdout: JSON array of [[start, end], ...] per text (UTF-16 offsets).
import { readFileSync } from "node:fs";

import { segmentSentences } from "../../packages/core/src/text/segmentation.ts";

const texts = JSON.parse(readFileSync(0, "utf8")) as string[];
process.stdout.write(JSON.stringify(texts.map((t) => segmentSentences(t).map((s) => [s.start, s.end]))));
