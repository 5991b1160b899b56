/**
 * The real third-party KServe V2 servers of `../shared/v2-servers` (KServe's Python model server and Seldon
 * MLServer, from their upstream sources) and Triton's own `model_config.proto` checker, for tests of the
 * boundaries where our code meets them. `.ci/run` runs the kit's `setup.sh` (Debian packages) before the tests;
 * here `setup.sh` only unpacks the sources into a cache outside `../shared` (read-only in CI) and is fast when done.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** The kit's folder (`../shared/v2-servers` beside the repository). */
export const V2_KIT = fileURLToPath(new URL("../../../shared/v2-servers", import.meta.url));

/** Where the kit unpacks its sources: `$V2_SERVERS_CACHE`, else a folder in the temp dir (never inside ../shared). */
export const V2_CACHE = process.env.V2_SERVERS_CACHE ?? path.join(tmpdir(), "semantic-highlight-v2-servers");

const kitEnv = (): NodeJS.ProcessEnv => ({ ...process.env, V2_SERVERS_CACHE: V2_CACHE });

let setUp = false;

/**
 * Whether the kit is here at all (a checkout without `../shared` has none). Tests that need it should
 * fail loudly rather than skip in CI: `.ci/run` always has it.
 */
export const v2KitPresent = existsSync(path.join(V2_KIT, "setup.sh"));

/** Runs the kit's `setup.sh` once per process (idempotent; seconds when the packages are installed). */
export function ensureV2Servers(): void {
  if (setUp) return;
  if (!v2KitPresent) throw new Error(`the v2-servers kit is missing at ${V2_KIT} (../shared/v2-servers beside the repository)`);
  execFileSync(path.join(V2_KIT, "setup.sh"), [V2_CACHE], { env: kitEnv(), stdio: ["ignore", "ignore", "pipe"], timeout: 600_000 });
  setUp = true;
}

/** A TCP port that was free a moment ago (MLServer also needs port + 1). */
export async function freePort(pairs = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    const ok = (await portFree(port)) && (!pairs || (await portFree(port + 1)));
    if (ok) return port;
  }
  throw new Error("no free port found");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Which real server. */
export type V2ServerKind = "kserve" | "mlserver";

/** A started server: its base URL, PID and how to stop it. */
export interface V2Server {
  kind: V2ServerKind;
  url: string;
  port: number;
  pid: number;
  /** SIGTERM through the kit's `stop.sh` (SIGKILL after its time-out). Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would (for mid-call failure tests). */
  kill(): void;
}

/**
 * Starts a real server on 127.0.0.1 serving `models` (name → path of an `.onnx` file) and waits until it is
 * ready. Retries on a port race.
 */
export async function startV2Server(kind: V2ServerKind, models: Record<string, string>, options: { port?: number } = {}): Promise<V2Server> {
  ensureV2Servers();
  const specs = Object.entries(models).map(([name, file]) => `${name}=${file}`);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = options.port ?? (await freePort(kind === "mlserver"));
    try {
      const { stdout } = await execFileAsync(path.join(V2_KIT, "start.sh"), [kind, String(port), ...specs], { env: kitEnv(), timeout: 120_000 });
      const pid = Number(stdout.trim());
      if (!Number.isInteger(pid) || pid <= 0) throw new Error(`start.sh printed no PID: ${stdout}`);
      let stopped = false;
      return {
        kind,
        port,
        pid,
        url: `http://127.0.0.1:${port}`,
        async stop() {
          if (stopped) return;
          stopped = true;
          await execFileAsync(path.join(V2_KIT, "stop.sh"), [String(pid)], { env: kitEnv(), timeout: 60_000 }).catch(() => undefined);
        },
        kill() {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            /* already gone */
          }
        },
      };
    } catch (error) {
      lastError = error;
      if (options.port !== undefined) break;
    }
  }
  throw lastError;
}

/** Result of Triton's config check on one or more model folders. */
export interface TritonCheck {
  ok: boolean;
  output: string;
}

/**
 * Runs `check-triton-config.sh` (Triton's `model_config.proto`, strict text format, inputs/outputs against the
 * graph in `DIR/1/`) on the given model folders.
 */
export async function checkTritonConfig(...modelDirs: string[]): Promise<TritonCheck> {
  ensureV2Servers();
  try {
    const { stdout, stderr } = await execFileAsync(path.join(V2_KIT, "check-triton-config.sh"), modelDirs, { env: kitEnv(), timeout: 120_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (e.code === 1) return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    throw error;
  }
}
