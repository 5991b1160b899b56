import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; the packaging test checks the built output separately.
    alias: {
      "@semantic-highlight/core": src("core"),
      "@semantic-highlight/langchain": src("langchain"),
      "@semantic-highlight/llamaindex": src("llamaindex"),
    },
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
