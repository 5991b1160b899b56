/**
 * Consumer projects: the packages tried the way a new user gets them. Every publishable (non-private) workspace
 * package is packed with `npm pack` (its prepack/postpack scripts included), and a fresh project in the temp
 * folder — outside the repository — installs the tarballs with npm, offline.
 *
 * Offline install: after the repository's `npm ci`, npm's cache holds every tarball the workspace installed,
 * but not the registry's package documents, so `npm install --offline <names>` cannot resolve versions
 * (ENOTCACHED). A consumer therefore gets a `package-lock.json` derived from the workspace's lockfile: the
 * entries of exactly the packages it needs (placed as the workspace resolved them, with their integrity
 * hashes) and our packages as `file:` tarballs; `npm ci --offline` then installs it from the cache, running
 * the dependencies' install scripts as any user's install would (under the policy the README recommends).
 *
 * Consumers are prepared once per test run (`test/support/consumer-setup.ts` gives the run its folder) and
 * shared by the test files of the run; a lock folder keeps parallel test files from preparing one twice.
 */
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { inject } from "vitest";

import { readmeBlocks } from "./docs.js";

const execFileAsync = promisify(execFile);

/** The repository root. */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** The fields of a package.json this harness reads. */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  repository?: unknown;
  homepage?: string;
  bugs?: unknown;
  bin?: string | Record<string, string>;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  workspaces?: string[];
}

/** A publishable package of the workspace. */
export interface WorkspacePackage {
  name: string;
  version: string;
  /** Its folder relative to the repository root, e.g. `packages/core`. */
  dir: string;
  manifest: PackageManifest;
}

/** A workspace package packed by `npm pack`. */
export interface PackedPackage extends WorkspacePackage {
  /** Absolute path of the tarball. */
  tarball: string;
  /** The tarball's file name. */
  filename: string;
  /** sha512 integrity of the tarball, as npm computed it. */
  integrity: string;
  /** Paths inside the tarball (relative to `package/`). */
  files: string[];
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

/** The folders of the root `workspaces` list that hold a package.json, relative to the repository. */
function workspaceDirs(): string[] {
  const root = readJson<PackageManifest>(path.join(REPO, "package.json"));
  return (root.workspaces ?? [])
    .flatMap((pattern) => {
      if (!pattern.endsWith("/*")) return [pattern];
      const parent = pattern.slice(0, -2);
      return readdirSync(path.join(REPO, parent)).map((name) => `${parent}/${name}`);
    })
    .filter((dir) => existsSync(path.join(REPO, dir, "package.json")));
}

/** The repository's README.md and every workspace folder's README.md. */
export function workspaceReadmes(): string[] {
  return [path.join(REPO, "README.md"), ...workspaceDirs().map((dir) => path.join(REPO, dir, "README.md"))].filter((file) => existsSync(file));
}

/** Every non-private package of the root `workspaces` list, in that order. */
export function workspacePackages(): WorkspacePackage[] {
  return workspaceDirs()
    .map((dir) => ({ dir, manifest: readJson<PackageManifest>(path.join(REPO, dir, "package.json")) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ name: manifest.name, version: manifest.version, dir, manifest }));
}

/**
 * The environment for npm and for programs run in a consumer: this process's, without what `npm test` or a
 * developer's shell sets for the repository (`npm_*` config of the outer npm, onnxruntime-node's install flag,
 * vitest's markers), so a consumer sees only its own configuration.
 */
export function consumerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // npm's cache location stays: the offline install reads the tarballs the repository's install put there.
    if ((/^npm_/i.test(key) && !/^npm_config_cache$/i.test(key)) || /^ONNXRUNTIME_NODE_INSTALL/.test(key) || /^(VITEST|TEST$|NODE_OPTIONS$|NODE_ENV$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

function runDir(): string {
  const dir = inject("consumerRunDir");
  if (!dir) throw new Error("no consumer run folder: test/support/consumer-setup.ts must be a globalSetup of the vitest config");
  const real = realpathSync(dir);
  if (real === REPO.replace(/\/$/, "") || real.startsWith(REPO)) throw new Error(`the consumer folder ${real} is inside the repository: set TMPDIR to a folder outside it`);
  return real;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` holding the run-wide lock `name` (a folder; another test file waiting on it polls). */
async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(runDir(), `${name}.lock`);
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileOr(path.join(lock, "pid"), "0"));
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true }); // its holder died
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readFileOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Packs every publishable workspace package once per test run (`npm pack --json -w …`; needs built `dist/`:
 * `npm test` builds first). Later calls return the same tarballs.
 */
export async function packWorkspace(): Promise<PackedPackage[]> {
  const dir = path.join(runDir(), "tarballs");
  const done = path.join(dir, "packed.json");
  return withLock("pack", async () => {
    if (existsSync(done)) return readJson<PackedPackage[]>(done);
    const packages = workspacePackages();
    for (const pkg of packages) {
      const main = (pkg.manifest as { main?: string }).main;
      if (main && !existsSync(path.join(REPO, pkg.dir, main))) throw new Error(`${pkg.dir}/${main} is missing: build first (npx turbo run build; npm test does)`);
    }
    mkdirSync(dir, { recursive: true });
    const { stdout } = await execFileAsync("npm", ["pack", "--json", "--pack-destination", dir, ...packages.flatMap((p) => ["-w", p.dir])], {
      cwd: REPO,
      env: consumerEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    const report = JSON.parse(stdout) as { name: string; filename: string; integrity: string; files: { path: string }[] }[];
    const packed = packages.map((pkg) => {
      const entry = report.find((r) => r.name === pkg.name);
      if (!entry) throw new Error(`npm pack did not report ${pkg.name}`);
      return { ...pkg, tarball: path.join(dir, entry.filename), filename: entry.filename, integrity: entry.integrity, files: entry.files.map((f) => f.path) };
    });
    writeFileSync(done, JSON.stringify(packed, null, 2));
    return packed;
  });
}

/** One entry of a v3 `package-lock.json`'s `packages`. */
export interface LockEntry extends Partial<Omit<PackageManifest, "private" | "workspaces">> {
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  hasInstallScript?: boolean;
  os?: string[];
  cpu?: string[];
  [key: string]: unknown;
}

/** The fields of a lockfile entry that describe the package itself (not its place in the workspace's graph). */
const LOCK_FIELDS = new Set(["version", "resolved", "integrity", "license", "dependencies", "optionalDependencies", "peerDependencies", "peerDependenciesMeta", "bin", "engines", "os", "cpu", "libc", "hasInstallScript", "funding", "deprecated", "bundleDependencies", "inBundle"]);

/** A consumer's package.json and package-lock.json. */
export interface ConsumerLock {
  dependencies: Record<string, string>;
  lock: { name: string; version: string; lockfileVersion: 3; requires: true; packages: Record<string, LockEntry> };
}

/**
 * Derives a consumer's lockfile from the workspace's: the project depends on `ours` (packed tarballs, by
 * name) and on `thirdParty` (names, at the version the workspace installed at its root); every package they
 * need is placed where the workspace resolved it (a package nested under a workspace package is nested under
 * the installed tarball), with the workspace's integrity hash. Required peers are followed, optional peers
 * are not (a consumer names the optional peers it wants).
 */
export function consumerLockfile(
  workspaceLock: { packages: Record<string, LockEntry> },
  packed: readonly PackedPackage[],
  ours: readonly string[],
  thirdParty: readonly string[],
  name = "consumer",
): ConsumerLock {
  const W = workspaceLock.packages;
  const byDir = new Map(packed.map((p) => [p.dir, p]));
  // The workspace folder (e.g. packages/core) a location lies in, and the consumer location it maps to.
  const toConsumer = (location: string): string => {
    for (const [dir, pkg] of byDir) {
      if (location === dir || location.startsWith(`${dir}/`)) return `node_modules/${pkg.name}${location.slice(dir.length)}`;
    }
    return location;
  };
  const linkTarget = (location: string): string => {
    const entry = W[location];
    if (!entry?.link) return location;
    const target = String(entry.resolved);
    if (!byDir.has(target)) throw new Error(`${location} links to the workspace folder ${target}, which is private or not packed`);
    return target;
  };
  // Node's resolution over the workspace layout: from `location`, the nearest node_modules/<dep> upwards.
  const resolve = (location: string, dep: string): string | undefined => {
    let base = location;
    for (;;) {
      const candidate = base === "" ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
      if (W[candidate]) return linkTarget(candidate);
      if (base === "") return undefined;
      const cut = base.lastIndexOf("/node_modules/");
      base = cut >= 0 ? base.slice(0, cut) : "";
    }
  };

  const dependencies: Record<string, string> = {};
  const roots: string[] = [];
  for (const pkgName of ours) {
    const pkg = packed.find((p) => p.name === pkgName);
    if (!pkg) throw new Error(`${pkgName} is not a packed workspace package (${packed.map((p) => p.name).join(", ")})`);
    dependencies[pkgName] = `file:tarballs/${pkg.filename}`;
    roots.push(pkg.dir);
  }
  for (const dep of thirdParty) {
    const entry = W[`node_modules/${dep}`];
    if (!entry?.version || entry.link) throw new Error(`${dep} is not installed at the workspace root (node_modules/${dep}): add it to a workspace package first`);
    dependencies[dep] = entry.version;
    roots.push(`node_modules/${dep}`);
  }

  const packages: Record<string, LockEntry> = {};
  const required = new Set<string>(); // consumer locations reachable without an optional edge
  const visit = (location: string, optional: boolean): void => {
    const at = toConsumer(location);
    const seen = at in packages;
    if (seen && (optional || required.has(at))) return;
    if (!optional) required.add(at);
    const pkg = byDir.get(location);
    const source: LockEntry = pkg ? { ...pkg.manifest } : W[location]!;
    if (!seen) {
      // The workspace's flags (dev, optional, peer) describe the workspace's graph, not the consumer's.
      const kept = Object.fromEntries(Object.entries(source).filter(([key]) => LOCK_FIELDS.has(key))) as LockEntry;
      packages[at] = pkg ? { ...kept, version: pkg.version, resolved: `file:tarballs/${pkg.filename}`, integrity: pkg.integrity } : kept;
    }
    const edges: [string, boolean][] = [
      ...Object.keys(source.dependencies ?? {}).map((d): [string, boolean] => [d, false]),
      ...Object.keys(source.optionalDependencies ?? {}).map((d): [string, boolean] => [d, true]),
      ...Object.keys(source.peerDependencies ?? {})
        .filter((d) => !source.peerDependenciesMeta?.[d]?.optional)
        .map((d): [string, boolean] => [d, false]),
    ];
    for (const [dep, optionalEdge] of edges) {
      const target = resolve(location, dep);
      if (target === undefined) {
        if (optionalEdge) continue; // an optional dependency the workspace did not install (another platform)
        throw new Error(`${location} needs ${dep}, which the workspace lockfile does not have where Node would look`);
      }
      visit(target, optional || optionalEdge);
    }
  };
  for (const location of roots) visit(location, false);
  for (const [at, entry] of Object.entries(packages)) if (!required.has(at)) entry.optional = true;

  return {
    dependencies,
    lock: {
      name,
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: { "": { name, version: "1.0.0", dependencies }, ...Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b))) },
    },
  };
}

/**
 * The package.json fields the README's Install section tells users to add (its `json` block marked
 * `<!-- docs-test: consumer-package-json -->`): every consumer gets them, so the documented install is the
 * tested one.
 */
export function documentedPackageJson(): Record<string, unknown> {
  const blocks = readmeBlocks(path.join(REPO, "README.md")).filter((b) => b.annotation?.kind === "consumer-package-json");
  if (blocks.length !== 1) throw new Error(`README.md must have exactly one json block marked <!-- docs-test: consumer-package-json --> (found ${blocks.length})`);
  return JSON.parse(blocks[0]!.code) as Record<string, unknown>;
}

/** What a consumer project is made of. */
export interface ConsumerSpec {
  /** Names the project within the run (one prepared project per name). */
  name: string;
  /** Our packages it depends on (default: every publishable one). */
  packages?: readonly string[];
  /** Third-party packages it depends on, at the workspace's versions (e.g. `@langchain/core`, `vite`). */
  dependencies?: readonly string[];
  /** Files written into the project before the install (relative path → content). */
  files?: Record<string, string>;
}

/**
 * The Node consumer shared by the packaging, docs and exit-fixture tests: every package of ours, onnxruntime-node
 * (core's optional peer for running models in Node, installed as the README says), the frameworks' packages the
 * adapters' users install, and TypeScript to compile the README's blocks.
 */
export const NODE_CONSUMER: ConsumerSpec = {
  name: "node",
  dependencies: ["onnxruntime-node", "@langchain/core", "@langchain/classic", "@llamaindex/core", "llamaindex", "typescript", "@types/node"],
};

/**
 * A Node consumer that installs core and the LangChain adapter but not onnxruntime-node (core's optional peer):
 * what a service that only talks to a remote server, or a user who forgot the runtime, gets.
 */
export const NODE_CONSUMER_WITHOUT_ORT: ConsumerSpec = {
  name: "node-without-onnxruntime-node",
  packages: ["@semantic-highlight/core", "@semantic-highlight/langchain"],
  dependencies: ["@langchain/core"],
};

/** A prepared consumer project. */
export interface Consumer {
  /** The project folder (outside the repository). */
  dir: string;
  /** The tarballs it installed from. */
  packed: PackedPackage[];
  /** npm's output of the install (`npm ci --offline --foreground-scripts`). */
  installLog: string;
  /** The package.json it was installed with. */
  manifest: Record<string, unknown>;
}

/**
 * A fresh project in the run's folder that installs the packed tarballs and `spec.dependencies` with
 * `npm ci --offline`; prepared once per run and name.
 */
export async function prepareConsumer(spec: ConsumerSpec): Promise<Consumer> {
  const packed = await packWorkspace();
  const dir = path.join(runDir(), spec.name);
  const ready = path.join(runDir(), `${spec.name}.ready.json`);
  return withLock(spec.name, async () => {
    if (existsSync(ready)) return readJson<Consumer>(ready);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, "tarballs"), { recursive: true });
    const ours = spec.packages ?? packed.map((p) => p.name);
    const { dependencies, lock } = consumerLockfile(readJson(path.join(REPO, "package-lock.json")), packed, ours, spec.dependencies ?? [], spec.name);
    for (const location of Object.keys(lock.packages)) {
      const pkg = packed.find((p) => location === `node_modules/${p.name}`);
      if (pkg) cpSync(pkg.tarball, path.join(dir, "tarballs", pkg.filename));
    }
    const manifest = { name: spec.name, version: "1.0.0", private: true, type: "module", dependencies, ...documentedPackageJson() };
    writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(path.join(dir, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
    for (const [file, content] of Object.entries(spec.files ?? {})) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    let installLog: string;
    try {
      const { stdout, stderr } = await execFileAsync("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--foreground-scripts"], {
        cwd: dir,
        env: consumerEnv(),
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10 * 60_000,
      });
      installLog = `${stdout}\n${stderr}`;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      const output = `${e.stdout ?? ""}\n${e.stderr ?? ""}`;
      const hint = /ENOTCACHED/.test(output)
        ? " A package of the workspace lockfile is not in npm's cache: run `npm ci` at the repository root first (it fills the cache)."
        : "";
      throw new Error(`npm ci --offline failed in the consumer project ${dir}.${hint}\n${output.slice(-4000)}`);
    }
    const consumer: Consumer = { dir, packed, installLog, manifest };
    writeFileSync(ready, JSON.stringify(consumer));
    return consumer;
  });
}

/** The outcome of a program run in a consumer. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time in milliseconds. */
  ms: number;
  /** Killed at the time limit. */
  timedOut: boolean;
}

/**
 * Runs `command args` in `cwd` with a time limit (killed with SIGKILL when it passes, so a process that does
 * not exit by itself is reported, not waited for).
 */
export function runProgram(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string>; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: options.cwd, env: consumerEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/** Runs a program with the consumer's `node_modules/.bin` tools (`tsc`, `vite`, our CLI). */
export function runBin(consumer: Consumer, bin: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs: number }): Promise<RunResult> {
  return runProgram(path.join(consumer.dir, "node_modules/.bin", bin), args, { cwd: options.cwd ?? consumer.dir, env: options.env ?? {}, timeoutMs: options.timeoutMs });
}

/** Runs `file` (inside the consumer) with Node. */
export function runNode(consumer: Consumer, file: string, options: { env?: Record<string, string>; timeoutMs: number; args?: readonly string[] }): Promise<RunResult> {
  return runProgram(process.execPath, [file, ...(options.args ?? [])], { cwd: consumer.dir, env: options.env ?? {}, timeoutMs: options.timeoutMs });
}

/** A short report of a run for assertion messages. */
export function describeRun(what: string, run: RunResult): string {
  const how = run.timedOut ? `did not exit within the time limit (killed after ${run.ms} ms)` : `exited with ${run.code ?? run.signal} after ${run.ms} ms`;
  return `${what} ${how}\n--- stdout\n${run.stdout.slice(-3000)}\n--- stderr\n${run.stderr.slice(-3000)}`;
}
