#!/usr/bin/env node
// The CLI is written in TypeScript and compiled to dist/ by `npm install` (the
// `prepare` script). Keep this file tiny: it is the whole start-up path of
// `dpo --version`, which the no-op benchmark compares against.
import { existsSync } from "node:fs";
const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("dpo: dist/ is missing; run `npm install` (or `npm run build`) in the dpo package first.\n");
  process.exit(2);
}
await import(entry.href);
