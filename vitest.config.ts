import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string, entry = "index") => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));
/** An import specifier exactly (a plain string alias would also rewrite its subpaths). */
const exactly = (specifier: string) => new RegExp(`^${specifier.replace(/[/.]/g, "\\$&")}$`);

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources (each package entry to its source file, as tsconfig.json's
    // paths do); the packaging test checks the built output separately.
    alias: [
      { find: exactly("@semantic-highlight/core"), replacement: src("core") },
      { find: exactly("@semantic-highlight/core/web"), replacement: src("core", "index.web") },
      { find: exactly("@semantic-highlight/core/internal"), replacement: src("core", "internal") },
      { find: exactly("@semantic-highlight/core/testing"), replacement: src("core", "testing") },
      { find: exactly("@semantic-highlight/langchain"), replacement: src("langchain") },
      { find: exactly("@semantic-highlight/llamaindex"), replacement: src("llamaindex") },
    ],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    // One scratch folder per run for the consumer projects built from the packed tarballs (test/support/consumer.ts).
    globalSetup: ["test/support/consumer-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
