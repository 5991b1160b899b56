/** A cli-progress bar on stderr, only when stderr is a terminal (never mixed into stdout). */
import cliProgress from "cli-progress";

/** Returns a progress callback and a `stop`; both do nothing without a terminal. */
export function progressBar(stream: NodeJS.WritableStream | undefined, label: string): { update: (done: number, total: number) => void; stop: () => void } {
  if (!stream) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: stream as NodeJS.WriteStream, format: `${label} [{bar}] {value}/{total} items | {percentage}% | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
