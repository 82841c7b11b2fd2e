#!/usr/bin/env node
// Regenerates docs/config-reference.md from the plugins' schemas (after `npm run build`).
import { writeFileSync } from "node:fs";
const { configReference } = await import("../dist/cli/reference.js");
writeFileSync(new URL("../docs/config-reference.md", import.meta.url), await configReference());
console.log("wrote docs/config-reference.md");
