import { defineConfig } from "tsup";

// ESM + CommonJS with matching type declarations; dependencies stay external.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  tsconfig: "tsconfig.json",
});
