/**
 * Packaging lint on the tarballs users get: every publishable workspace package, packed once per run by
 * `test/support/consumer.ts` (`npm pack`, prepack/postpack included), is checked by
 *
 * - publint (https://publint.dev): `package.json` fields against the files in the tarball (exports order and
 *   formats, missing or unpublished files, types formats, …), strict (its warnings count as errors) and with its
 *   suggestions failing too unless accepted below;
 * - Are The Types Wrong (`@arethetypeswrong/core`, the library behind `attw`): every entry point resolved the way
 *   TypeScript resolves it from ESM and CommonJS under `node16` and under `bundler`, its types matched against
 *   its JavaScript (wrong module format, missing declarations, named exports that do not exist, …).
 *
 * Both work offline on the tarball's bytes. Findings that are deliberate are listed in ACCEPTED below, each with
 * the reason; an accepted finding that no longer occurs fails too, so the list never outlives its reason.
 *
 * By hand (after a build): `npx publint packages/core --strict` and `npx attw --pack packages/core --profile node16`.
 */
import { readFileSync } from "node:fs";

import { checkPackage, createPackageFromTarballData } from "@arethetypeswrong/core";
import { problemAffectsEntrypointResolution, problemKindInfo } from "@arethetypeswrong/core/problems";
import type { Analysis, Problem, ProblemKind, ResolutionKind } from "@arethetypeswrong/core/types";
import { publint, type Message } from "publint";
import { formatMessage } from "publint/utils";
import { beforeAll, describe, expect, it } from "vitest";

import { packWorkspace, workspacePackages, type PackedPackage } from "./support/consumer.js";

/**
 * The resolution modes checked: ESM and CommonJS importers under `node16`/`nodenext`, and bundlers. `node10`
 * (TypeScript's legacy `moduleResolution: node`) is not: it ignores `exports`, so no subpath entry such as
 * `@semantic-highlight/core/web` can resolve there, TypeScript deprecates it, and the packages need Node ≥ 20.10
 * (their `engines`) — this is attw's `node16` profile.
 */
const CHECKED_RESOLUTIONS: readonly ResolutionKind[] = ["node16-cjs", "node16-esm", "bundler"];

/** A finding accepted on purpose. */
interface Accepted {
  /** The package it is accepted for. */
  package: string;
  /** attw's problem kind, or publint's message code. */
  tool: "attw" | "publint";
  kind: ProblemKind | Message["code"];
  /** attw: the entry point (".", "./web"); every entry point when left out. */
  entrypoint?: string;
  /** Why this is right for our users. */
  why: string;
}

/**
 * publint suggests `"sideEffects": false` for the packages bundlers consume. Measured in the README's Vite app
 * (test/consumer-web.browser.test.ts, from the tarballs): with the field and without it the build is byte-identical,
 * both for the README's page (89.19 kB) and for a page importing only renderHighlights (6.60 kB) — Rollup's own
 * analysis already drops what is unused, so the field buys nothing today, while it is a promise about every module
 * of the package that a bundler would act on silently if one ever ran code at import.
 */
const NO_SIDE_EFFECTS_FIELD = "declaring sideEffects gains nothing measurable (identical Vite builds with and without it) and promises every module is free of import-time effects";

const ACCEPTED: readonly Accepted[] = [
  ...["@semantic-highlight/core", "@semantic-highlight/langchain", "@semantic-highlight/llamaindex"].map(
    (name): Accepted => ({ package: name, tool: "publint", kind: "USE_SIDE_EFFECTS", why: NO_SIDE_EFFECTS_FIELD }),
  ),
  {
    package: "semantic-highlight",
    tool: "attw",
    kind: "CJSResolvesToESM",
    why: "the CLI is an ESM-only program (its bin and the runCli entry it exposes); a CommonJS caller imports it with import()",
  },
  {
    package: "@semantic-highlight/core",
    tool: "attw",
    kind: "CJSResolvesToESM",
    entrypoint: "./web",
    why: "the browser build is ESM-only: pages, bundlers and workers load ES modules, and its onnxruntime-web is ESM; Node users import the root entry, which has a CommonJS build",
  },
];

const matches = (a: Accepted, pkg: string, tool: Accepted["tool"], kind: string, entrypoint?: string) =>
  a.package === pkg && a.tool === tool && a.kind === kind && (a.entrypoint === undefined || a.entrypoint === entrypoint);

/** One finding of either tool, as the test reports it. */
interface Finding {
  tool: Accepted["tool"];
  kind: string;
  /** The entry points it affects (attw), or the package.json path (publint). */
  where: string[];
  text: string;
}

async function lintWithPublint(pkg: PackedPackage, tarball: Uint8Array): Promise<Finding[]> {
  const buffer = tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) as ArrayBuffer;
  const { messages, pkg: manifest } = await publint({ pack: { tarball: buffer }, level: "suggestion", strict: true });
  return messages.map((message) => ({
    tool: "publint",
    kind: message.code,
    where: [message.path.join(".") || "(package.json)"],
    text: `${message.type}: ${formatMessage(message, manifest, { color: false }) ?? message.code}`,
  }));
}

/** The checked entry point / resolution pairs a problem shows up in. */
function affected(problem: Problem, analysis: Analysis): { entrypoint: string; resolution: ResolutionKind }[] {
  return Object.keys(analysis.entrypoints).flatMap((entrypoint) =>
    CHECKED_RESOLUTIONS.filter((resolution) => problemAffectsEntrypointResolution(problem, entrypoint, resolution, analysis)).map((resolution) => ({ entrypoint, resolution })),
  );
}

async function lintWithAttw(pkg: PackedPackage, tarball: Uint8Array): Promise<{ findings: Finding[]; analysis: Analysis }> {
  const result = await checkPackage(createPackageFromTarballData(tarball));
  if (result.types === false) throw new Error(`${pkg.name}: attw found no types in the tarball`);
  const findings = result.problems.flatMap((problem): Finding[] => {
    const where = affected(problem, result);
    if (where.length === 0) return []; // only node10 (see CHECKED_RESOLUTIONS)
    const entrypoints = [...new Set(where.map((w) => w.entrypoint))];
    return entrypoints.map((entrypoint) => ({
      tool: "attw",
      kind: problem.kind,
      where: [entrypoint],
      text: `${problemKindInfo[problem.kind].emoji} ${problemKindInfo[problem.kind].description} [${where
        .filter((w) => w.entrypoint === entrypoint)
        .map((w) => w.resolution)
        .join(", ")}] ${problemKindInfo[problem.kind].docsUrl}`,
    }));
  });
  return { findings, analysis: result };
}

interface Report {
  pkg: PackedPackage;
  findings: Finding[];
  analysis: Analysis;
}

let reports: Report[];

beforeAll(async () => {
  const packed = await packWorkspace();
  reports = [];
  for (const pkg of packed) {
    const tarball = new Uint8Array(readFileSync(pkg.tarball));
    const { findings, analysis } = await lintWithAttw(pkg, tarball);
    reports.push({ pkg, findings: [...(await lintWithPublint(pkg, tarball)), ...findings], analysis });
  }
}, 600_000);

const describeFindings = (findings: readonly Finding[]) => findings.map((f) => `  ${f.tool} ${f.kind} at ${f.where.join(", ")}: ${f.text}`).join("\n");

describe("packaging lint (publint, arethetypeswrong) on every packed tarball", () => {
  it("lints every publishable workspace package", () => {
    expect(reports.map((r) => r.pkg.name).sort()).toEqual(workspacePackages().map((p) => p.name).sort());
  });

  it("checks every entry point of each package's exports under node16 (ESM and CJS importers) and bundler", () => {
    for (const { pkg, analysis } of reports) {
      const exportsField = (JSON.parse(readFileSync(new URL(`../${pkg.dir}/package.json`, import.meta.url), "utf8")) as { exports?: Record<string, unknown> }).exports ?? {};
      const expected = Object.keys(exportsField).filter((key) => key.startsWith(".") && !key.endsWith(".json"));
      expect(Object.keys(analysis.entrypoints).filter((e) => !e.endsWith(".json")).sort(), pkg.name).toEqual((expected.length ? expected : ["."]).sort());
      for (const [entrypoint, info] of Object.entries(analysis.entrypoints)) {
        if (entrypoint.endsWith(".json")) continue;
        for (const resolution of ["node16-esm", "bundler"] as const) {
          expect(info.resolutions[resolution].resolution?.fileName, `${pkg.name} ${entrypoint} does not resolve to types under ${resolution}`).toMatch(/\.d\.[cm]?ts$/);
        }
      }
    }
  });

  it("find no problem beyond the accepted ones", () => {
    const unexpected = reports.flatMap(({ pkg, findings }) =>
      findings.filter((f) => !ACCEPTED.some((a) => f.where.some((w) => matches(a, pkg.name, f.tool, f.kind, w)))).map((f) => ({ ...f, pkg: pkg.name })),
    );
    const message = unexpected.map((f) => `${f.pkg}:\n${describeFindings([f])}`).join("\n");
    expect(unexpected.length, `packaging problems (fix them, or accept one in test/package-lint.test.ts with the reason):\n${message}`).toBe(0);
  });

  it("every accepted finding still occurs (an acceptance whose reason is gone is removed)", () => {
    for (const accepted of ACCEPTED) {
      const report = reports.find((r) => r.pkg.name === accepted.package);
      expect(report, `ACCEPTED names ${accepted.package}, which is not a publishable workspace package`).toBeDefined();
      const found = report!.findings.some((f) => f.where.some((w) => matches(accepted, accepted.package, f.tool, f.kind, w)));
      expect(found, `accepted ${accepted.tool} ${accepted.kind} ${accepted.entrypoint ?? ""} for ${accepted.package} no longer occurs: remove it from ACCEPTED`).toBe(true);
    }
  });
});
