// prepack of @semantic-highlight/core: copies the repository's embedded default model (models/default)
// into the package's model/ folder so the published package can load it with SemanticHighlighter.load().
// postpack (--remove) deletes the copy again, so that inside the repository models/default is the only
// default model and a retrained one is never shadowed by a stale copy.
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const source = path.join(root, "models/default");
const target = path.join(root, "packages/core/model");
rmSync(target, { recursive: true, force: true });
if (process.argv.includes("--remove")) process.exit(0);
if (existsSync(path.join(source, "highlight_config.json"))) {
  // Only what loading needs: reference_outputs.json is test data, training.json a training log with the
  // build machine's absolute paths in it.
  cpSync(source, target, { recursive: true, filter: (file) => !/(reference_outputs|training)\.json$/.test(file) });
  console.error(`copied ${path.relative(root, source)} -> ${path.relative(root, target)}`);
} else {
  console.warn(`no default model at ${source}: the package will ship without one`);
}
