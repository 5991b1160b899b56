// The public API reports (packages/*/etc/*.api.md): one per package entry point, written by API Extractor from the
// built type declarations (run `npx turbo run build` first; `npm test` does).
//
//   node tools/api-report.mjs           check: fails (exit 1) when an entry's API differs from its committed report,
//                                       or a report has an undocumented or unexported-but-used item
//   node tools/api-report.mjs --local   update the reports after an intended API change (`npm run api:update`),
//                                       then review and commit the diff
//   node tools/api-report.mjs --config FILE [--report-folder DIR]   one config (the test uses this)
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Extractor, ExtractorConfig } from "@microsoft/api-extractor";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const local = args.includes("--local");
const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

/** Every api-extractor*.json of the workspace packages. */
function apiConfigs() {
  return readdirSync(path.join(root, "packages"))
    .flatMap((pkg) => readdirSync(path.join(root, "packages", pkg)).filter((f) => /^api-extractor(\..+)?\.json$/.test(f)).map((f) => path.join(root, "packages", pkg, f)))
    .sort();
}

/** Problems API Extractor wrote into a report: exported items without a doc comment, used types not exported. */
function reportProblems(reportFile) {
  if (!existsSync(reportFile)) return [`${path.relative(root, reportFile)} is missing`];
  return readFileSync(reportFile, "utf8")
    .split("\n")
    .filter((line) => /^\s*\/\/.*\(ae-[a-z-]+\)/.test(line))
    .map((line) => `${path.relative(root, reportFile)}: ${line.trim().slice(3)}`);
}

/** Runs API Extractor for one config: check mode, or --local to rewrite the report. */
function run(configFile, reportFolder) {
  const configObject = ExtractorConfig.loadFile(configFile);
  if (reportFolder) configObject.apiReport = { ...configObject.apiReport, reportFolder: path.resolve(reportFolder) };
  const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: configFile, packageJsonFullPath: path.join(path.dirname(configFile), "package.json") });
  if (local) mkdirSync(config.reportFolder, { recursive: true });
  const messages = [];
  const result = Extractor.invoke(config, {
    localBuild: local,
    messageCallback: (message) => {
      if (message.logLevel === "error" || message.logLevel === "warning") messages.push(`${message.logLevel}: ${message.text}`);
      message.handled = true;
    },
  });
  const reportFile = path.join(config.reportFolder, `${config.reportConfigs[0].fileName}`);
  return { succeeded: result.succeeded, changed: result.apiReportChanged, messages, reportFile };
}

const only = flag("--config");
const configs = only ? [path.resolve(only)] : apiConfigs();
let failed = false;
for (const configFile of configs) {
  const outcome = run(configFile, flag("--report-folder"));
  const problems = reportProblems(outcome.reportFile);
  const name = path.relative(root, configFile);
  if (!outcome.succeeded || (outcome.changed && !local)) {
    failed = true;
    console.error(`${name}: the public API differs from ${path.relative(root, outcome.reportFile)}${outcome.changed ? " (report changed)" : ""}:\n  ${outcome.messages.join("\n  ")}`);
  } else if (problems.length > 0) {
    failed = true;
    console.error(`${name}:\n  ${problems.join("\n  ")}`);
  } else {
    console.log(`${name}: ${local && outcome.changed ? "report updated" : "ok"} (${path.relative(root, outcome.reportFile)})`);
  }
}
if (failed) {
  console.error("\nAfter an intended API change: npm run api:update, then review and commit packages/*/etc/*.api.md.");
  process.exit(1);
}
