/** Debian's Chromium for the browser tests (playwright-core drives it; no browser is ever downloaded). */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** The Chromium to drive: $CHROMIUM_PATH, else `chromium` / `chromium-browser` on the PATH. */
export function chromiumPath(): string {
  const candidates = [
    process.env.CHROMIUM_PATH,
    ...["chromium", "chromium-browser"].map((name) => {
      try {
        return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
      } catch {
        return undefined;
      }
    }),
  ];
  const found = candidates.find((p): p is string => !!p && existsSync(p));
  if (!found) throw new Error("No Chromium found: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH. .ci/run installs it.");
  return found;
}
