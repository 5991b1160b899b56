import { defineConfig } from "tsup";

// The CLI ships as ESM only (it is an executable, not a library to require()).
export default defineConfig({
  entry: ["src/index.ts", "src/cli.ts"],
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  tsconfig: "tsconfig.json",
});
