// The test LLM server (test/support/llm-server.ts and its llm-server-*.ts
// helpers) as plain ES modules in `work`, for benchmarks that run it outside
// vitest: strips the types and points the helpers' imports at the .mjs files.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/** Writes the transpiled modules into `work`; returns the path of llm-server.mjs. */
export function transpileTestServer(root, work) {
  mkdirSync(work, { recursive: true });
  const support = join(root, "test", "support");
  for (const name of readdirSync(support).filter((f) => /^llm-server[\w-]*\.ts$/.test(f))) {
    const src = readFileSync(join(support, name), "utf8");
    const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    writeFileSync(join(work, name.replace(/\.ts$/, ".mjs")), out.replace(/from "\.\/(llm-server[\w-]*)\.js"/g, 'from "./$1.mjs"'));
  }
  return join(work, "llm-server.mjs");
}
