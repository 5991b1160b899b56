/**
 * Releases (README "Releasing"): changesets with one fixed version for every publishable package, a
 * CHANGELOG.md per package in its tarball. The release step `changeset version` is run for real on a copy of
 * the release files (package.json files, CHANGELOGs, .changeset/) outside the repository, and its result checked;
 * `changeset publish` needs the registry and is not run.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { consumerEnv, packWorkspace, REPO, workspacePackages, type PackageManifest, type PackedPackage } from "./support/consumer.js";

const execFileAsync = promisify(execFile);
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

/** Every folder of the root `workspaces` list (private ones included), relative to the repository. */
function workspaceDirs(): string[] {
  const root = readJson<PackageManifest>(path.join(REPO, "package.json"));
  return (root.workspaces ?? []).flatMap((pattern) =>
    pattern.endsWith("/*") ? readdirSync(path.join(REPO, pattern.slice(0, -2))).map((name) => `${pattern.slice(0, -2)}/${name}`) : [pattern],
  ).filter((dir) => existsSync(path.join(REPO, dir, "package.json")));
}

interface Changeset {
  file: string;
  releases: Record<string, string>;
  summary: string;
}

/** The pending changesets of .changeset/ (front matter `"name": bump` lines, then the summary). */
function pendingChangesets(dir = path.join(REPO, ".changeset")): Changeset[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md") && f !== "README.md")
    .map((file) => {
      const text = readFileSync(path.join(dir, file), "utf8");
      const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
      if (!m) throw new Error(`.changeset/${file} has no front matter`);
      const releases = Object.fromEntries([...m[1]!.matchAll(/^\s*"?([^":]+)"?\s*:\s*(\w+)\s*$/gm)].map((r) => [r[1]!, r[2]!]));
      return { file, releases, summary: m[2]!.trim() };
    });
}

const version = (v: string) => v.split(".").map(Number) as [number, number, number];
const newer = (a: string, b: string) => {
  const [x, y] = [version(a), version(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
};

const publishable = workspacePackages();
const scratch = mkdtempSync(path.join(tmpdir(), "sh-release-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the release files in a new folder, with `changeset version` run in it. */
async function versionedCopy(changesets: boolean): Promise<{ dir: string; output: string }> {
  const dir = mkdtempSync(path.join(scratch, "repo-"));
  cpSync(path.join(REPO, "package.json"), path.join(dir, "package.json"));
  for (const ws of workspaceDirs()) {
    mkdirSync(path.join(dir, ws), { recursive: true });
    for (const file of ["package.json", "CHANGELOG.md"]) if (existsSync(path.join(REPO, ws, file))) cpSync(path.join(REPO, ws, file), path.join(dir, ws, file));
  }
  cpSync(path.join(REPO, ".changeset"), path.join(dir, ".changeset"), {
    recursive: true,
    filter: (source) => changesets || !source.endsWith(".md") || path.basename(source) === "README.md",
  });
  const { stdout, stderr } = await execFileAsync(process.execPath, [path.join(REPO, "node_modules/@changesets/cli/bin.js"), "version"], { cwd: dir, env: consumerEnv(), timeout: 120_000 });
  return { dir, output: `${stdout}\n${stderr}` };
}

let packed: PackedPackage[];
beforeAll(async () => {
  packed = await packWorkspace();
}, 600_000);

describe("releases with changesets", () => {
  it("every publishable package has a CHANGELOG.md headed by its name, with an entry for its current version, and ships it", () => {
    expect(publishable.length).toBeGreaterThan(0);
    for (const pkg of publishable) {
      const file = path.join(REPO, pkg.dir, "CHANGELOG.md");
      expect(existsSync(file), `${pkg.dir}/CHANGELOG.md is missing`).toBe(true);
      const text = readFileSync(file, "utf8");
      // `changeset version` inserts new entries after the first line, so it must be the title.
      expect(text.split("\n")[0], `${pkg.dir}/CHANGELOG.md`).toBe(`# ${pkg.name}`);
      expect(text, `${pkg.dir}/CHANGELOG.md has no entry for ${pkg.version}`).toMatch(new RegExp(`^## ${pkg.version.replace(/\./g, "\\.")}$`, "m"));
      expect(packed.find((p) => p.name === pkg.name)?.files, `${pkg.name}'s tarball`).toContain("CHANGELOG.md");
    }
  });

  it("the configuration releases every publishable package at one version and no private one", () => {
    const config = readJson<{ fixed: string[][]; linked: string[][]; access: string; privatePackages: { version: boolean; tag: boolean }; baseBranch: string }>(path.join(REPO, ".changeset/config.json"));
    expect(config.fixed).toHaveLength(1);
    const inGroup = (name: string) => config.fixed[0]!.some((pattern) => (pattern.endsWith("/*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern));
    for (const pkg of publishable) expect(inGroup(pkg.name), `${pkg.name} is not in the fixed group of .changeset/config.json`).toBe(true);
    expect(config.privatePackages).toEqual({ version: false, tag: false });
    expect(config.access).toBe("public");
    expect(new Set(publishable.map((p) => p.version)).size, "the publishable packages have one version").toBe(1);
  });

  it("every pending changeset names only publishable packages and has a summary", () => {
    const names = new Set(publishable.map((p) => p.name));
    for (const changeset of pendingChangesets()) {
      expect(Object.keys(changeset.releases).length, changeset.file).toBeGreaterThan(0);
      for (const [name, bump] of Object.entries(changeset.releases)) {
        expect(names.has(name), `.changeset/${changeset.file} names ${name}, which is not a publishable package`).toBe(true);
        expect(["patch", "minor", "major"], `.changeset/${changeset.file}: ${name}: ${bump}`).toContain(bump);
      }
      expect(changeset.summary.length, changeset.file).toBeGreaterThan(20);
    }
  });

  it("`changeset version` bumps every publishable package to one new version, moves the internal pins with it and writes each pending changeset into the CHANGELOGs it names", async () => {
    const changesets = pendingChangesets();
    const { dir, output } = await versionedCopy(true);
    const before = publishable[0]!.version;
    const after = publishable.map((pkg) => readJson<PackageManifest>(path.join(dir, pkg.dir, "package.json")).version);
    if (changesets.length === 0) {
      expect(after.every((v) => v === before), output).toBe(true);
      return;
    }
    const next = after[0]!;
    expect(new Set(after).size, `one version for all: ${after.join(", ")}`).toBe(1);
    expect(newer(next, before), `${next} after ${before}`).toBe(true);
    const names = new Set(publishable.map((p) => p.name));
    for (const ws of workspaceDirs()) {
      const original = readJson<PackageManifest>(path.join(REPO, ws, "package.json"));
      const manifest = readJson<PackageManifest>(path.join(dir, ws, "package.json"));
      if (original.private) expect(manifest.version, `${ws} is private: not versioned`).toBe(original.version);
      for (const deps of [manifest.dependencies, manifest.optionalDependencies, manifest.peerDependencies]) {
        for (const [dep, range] of Object.entries(deps ?? {})) if (names.has(dep)) expect(range, `${ws} → ${dep}`).toBe(next);
      }
    }
    for (const pkg of publishable) {
      const text = readFileSync(path.join(dir, pkg.dir, "CHANGELOG.md"), "utf8");
      expect(text.startsWith(`# ${pkg.name}\n\n## ${next}\n`), `${pkg.dir}/CHANGELOG.md starts with the new version`).toBe(true);
      expect(text, "the older entries stay").toContain(`\n## ${before}\n`);
      for (const changeset of changesets.filter((c) => pkg.name in c.releases)) {
        expect(text, `${pkg.dir}/CHANGELOG.md lacks .changeset/${changeset.file}`).toContain(changeset.summary.split("\n")[0]!);
      }
    }
    expect(pendingChangesets(path.join(dir, ".changeset")), "the changesets are consumed").toEqual([]);
  });

  it("`changeset version` without pending changesets changes no version", async () => {
    const { dir } = await versionedCopy(false);
    for (const ws of workspaceDirs()) {
      expect(readJson<PackageManifest>(path.join(dir, ws, "package.json")).version, ws).toBe(readJson<PackageManifest>(path.join(REPO, ws, "package.json")).version);
    }
  });
});
