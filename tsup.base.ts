import type { Options } from "tsup";

/** Library packages: ESM + CommonJS with matching type declarations; dependencies stay external. */
export const libraryBuild: Options = {
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  tsconfig: "tsconfig.json",
  // import.meta.url in the CommonJS build (used to find the embedded default model).
  shims: true,
};
