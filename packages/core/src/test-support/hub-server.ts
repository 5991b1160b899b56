/**
 * A local stand-in for the Hugging Face hub on 127.0.0.1: serves folders as model repositories in the
 * hub's URL layout (the endpoints @huggingface/hub and hub.ts use), and can cut a download short once.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

/** A running fake hub. */
export interface FakeHub {
  url: string;
  /** Requests seen, as "METHOD path". */
  requests: string[];
  /** Cut the next full download of `file` after `bytes` bytes (the connection is destroyed). */
  interruptNext(file: string, bytes: number): void;
  /** Bytes written so far by answers with {@link FakeHubAnswer.repeatUntilClosed}. */
  readonly endlessBytesSent: number;
  close(): Promise<void>;
}

/** A canned answer of a hostile hub (see {@link FakeHubOptions.respond}). */
export interface FakeHubAnswer {
  status: number;
  headers?: Record<string, string | number>;
  body: string | Buffer;
  /**
   * Write `body` again and again, honouring back-pressure, until the client goes away: a file without end
   * (with a safety stop at 1 GiB, so a client that never stops cannot fill the test machine's disk).
   */
  repeatUntilClosed?: boolean;
}

/** Options of {@link startFakeHub}. */
export interface FakeHubOptions {
  /**
   * Answers a request instead of the regular hub behaviour when it returns an answer: the way to play a
   * hostile or broken hub (oversized or malformed metadata, …).
   */
  respond?: (method: string, pathname: string) => FakeHubAnswer | undefined;
}

/** Serves `repos` (`"org/name"` → folder) at commit `sha` (40 hex digits). */
export async function startFakeHub(repos: Record<string, string>, sha = "a".repeat(40), options: FakeHubOptions = {}): Promise<FakeHub> {
  const requests: string[] = [];
  const interrupts = new Map<string, number>();
  let endlessBytesSent = 0;
  const fileList = (dir: string) => readdirSync(dir).filter((f) => statSync(path.join(dir, f)).isFile());
  const oid = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${url.pathname}`);
    const canned = options.respond?.(req.method ?? "GET", url.pathname);
    if (canned) {
      res.writeHead(canned.status, canned.headers ?? {});
      if (!canned.repeatUntilClosed) return res.end(canned.body);
      const chunk = Buffer.from(canned.body);
      const pump = () => {
        while (!res.destroyed && !res.writableEnded) {
          if (endlessBytesSent >= 2 ** 30) return void res.end();
          endlessBytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
      };
      res.on("close", () => res.removeAllListeners("drain"));
      return pump();
    }
    const notFound = () => {
      res.writeHead(404, { "X-Error-Code": "EntryNotFound", "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: "Entry not found" }));
    };
    let m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (m && req.method === "GET") {
      const dir = repos[m[1]!];
      if (!dir) return notFound();
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ id: m[1], sha, siblings: fileList(dir).map((rfilename) => ({ rfilename })) }));
    }
    m = /^\/api\/models\/([^/]+\/[^/]+)\/paths-info\/([^/]+)$/.exec(url.pathname);
    if (m && req.method === "POST") {
      const dir = repos[m[1]!];
      if (!dir) return notFound();
      const { paths } = JSON.parse(body) as { paths: string[] };
      const present = paths.filter((p) => fileList(dir).includes(p));
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end(JSON.stringify(present.map((p) => ({ type: "file", path: p, oid: oid(path.join(dir, p)), size: statSync(path.join(dir, p)).size, lastCommit: { id: sha, title: "t", date: new Date(0).toISOString() } }))));
    }
    m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (m && req.method === "GET") {
      const dir = repos[m[1]!];
      const file = decodeURIComponent(m[3]!);
      if (!dir || !fileList(dir).includes(file)) return notFound();
      const data = readFileSync(path.join(dir, file));
      const etag = `"${oid(path.join(dir, file))}"`;
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
      if (range) {
        const [start, end] = [Number(range[1]), Math.min(Number(range[2]), data.length - 1)];
        res.writeHead(206, { "Content-Range": `bytes ${start}-${end}/${data.length}`, ETag: etag, "Content-Length": end - start + 1 });
        return res.end(data.subarray(start, end + 1));
      }
      const cut = interrupts.get(file);
      res.writeHead(200, { ETag: etag, "Content-Length": data.length, "Content-Type": "application/octet-stream" });
      if (cut !== undefined) {
        interrupts.delete(file);
        res.write(data.subarray(0, cut));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      return res.end(data);
    }
    notFound();
  };

  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    interruptNext: (file, bytes) => interrupts.set(file, bytes),
    get endlessBytesSent() {
      return endlessBytesSent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
