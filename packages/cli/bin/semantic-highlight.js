#!/usr/bin/env node
// Thin launcher: the CLI itself is compiled to dist/ by `npm run build`.
import("../dist/cli.js").catch((error) => {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli.js")) {
    console.error("semantic-highlight: the CLI is not built yet. Run `npm run build` at the repository root first.");
    process.exit(1);
  }
  throw error;
});
