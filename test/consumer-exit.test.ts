/**
 * A process that uses the library exits by itself, from the packed tarballs: every `*.mjs` / `*.cjs` of
 * test/exit-fixtures/ (one standalone script per entry point, importing the packages by their published names,
 * taking the model folder from `SH_MODEL`, never calling dispose(), printing one JSON line; the folder's README
 * has the contract) is copied into the Node consumer project and run there with Node — so its imports resolve
 * to the installed tarballs, not to the repository — with `SH_MODEL` set to the model folder shipped inside
 * the installed @semantic-highlight/core. Each must exit with code 0 within the time limit.
 *
 * `SH_EXIT_FIXTURES` points the test at another folder (for trying fixtures out).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { describeRun, NODE_CONSUMER, prepareConsumer, REPO, runNode, type Consumer } from "./support/consumer.js";

/** A script that loads a model, works once and returns exits well within this (it takes 1–3 s here). */
const EXIT_LIMIT_MS = 20_000;
const FIXTURES = process.env.SH_EXIT_FIXTURES ? path.resolve(process.env.SH_EXIT_FIXTURES) : path.join(REPO, "test/exit-fixtures");
const present = existsSync(FIXTURES);
const fixtures = present ? readdirSync(FIXTURES).filter((f) => /\.(mjs|cjs)$/.test(f)).sort() : [];

describe("exit fixtures run from the packed tarballs exit by themselves", () => {
  let consumer: Consumer;

  beforeAll(async () => {
    if (fixtures.length === 0) return;
    consumer = await prepareConsumer(NODE_CONSUMER);
    mkdirSync(path.join(consumer.dir, "exit-fixtures"), { recursive: true });
    for (const file of fixtures) copyFileSync(path.join(FIXTURES, file), path.join(consumer.dir, "exit-fixtures", file));
  }, 600_000);

  if (!present) {
    it.skip(`${path.relative(REPO, FIXTURES)}/ does not exist on this branch yet: no exit fixture to run`, () => {});
    return;
  }

  it(`${path.relative(REPO, FIXTURES)}/ holds at least one *.mjs or *.cjs fixture`, () => {
    expect(fixtures, `${FIXTURES} exists but has no *.mjs / *.cjs fixture: add one per entry point (see its README) or remove the folder`).not.toEqual([]);
  });

  for (const file of fixtures) {
    it(`${file} exits with code 0 within ${EXIT_LIMIT_MS / 1000} s without dispose()`, async () => {
      const model = path.join(consumer.dir, "node_modules/@semantic-highlight/core/model");
      const result = await runNode(consumer, path.join("exit-fixtures", file), { env: { SH_MODEL: model }, timeoutMs: EXIT_LIMIT_MS });
      expect(result.timedOut, describeRun(file, result)).toBe(false);
      expect(result.code, describeRun(file, result)).toBe(0);
      const last = result.stdout.trim().split("\n").pop() ?? "";
      expect(() => JSON.parse(last), `${file} must print one JSON line last (got ${JSON.stringify(last)})`).not.toThrow();
    }, EXIT_LIMIT_MS + 30_000);
  }
});
