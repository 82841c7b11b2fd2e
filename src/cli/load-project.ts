/**
 * Loads a project's config with the built-in plugins and providers. A config
 * unchanged since the last run is read from its compiled form (no YAML parse,
 * no schema compilation, no plugin import); otherwise the full loader runs and
 * its diagnostics become one DpoError that prints them all with source lines.
 */
import { readFileSync, statSync } from "node:fs";
import { parseEnv } from "node:util";
import { userError } from "../engine/diagnostic.js";
import { projectPaths } from "../engine/paths.js";
import { fileURLToPath } from "node:url";
import { loadProjectConfig } from "../engine/config/compiled.js";
import type { ProjectConfig } from "../engine/config/load.js";
import { createRegistry } from "../engine/registry.js";
import { builtinPlugins } from "../plugins/index.js";
import { builtinProviders } from "../providers/index.js";

export const registry = createRegistry(builtinPlugins, builtinProviders);

/** This installation of dpo: its compiled entry point's mtime changes with every build of dpo (read once, on first use). */
let stamp: string | undefined;
function installStamp(): string {
  return (stamp ??= `${statSync(fileURLToPath(new URL("./main.js", import.meta.url))).mtimeMs}`);
}

export async function loadProject(root: string, environment: Record<string, string | undefined> = process.env): Promise<ProjectConfig> {
  const env = withEnvFile(root, environment);
  return loadProjectConfig({
    root,
    registry,
    env,
    stamp: installStamp(),
    load: async () => (await import("../engine/config/load.js")).loadConfig({ root, registry, env }),
  });
}

/**
 * The environment `${VAR}` reads: the real one, over the project's `.env` file
 * if there is one (parsed by Node's own `.env` parser, as `process.loadEnvFile`
 * would, without changing this process's environment). A value from `.env` is
 * treated like any other: a secret where a secret field or a secret-looking
 * name takes it.
 */
export function withEnvFile(root: string, environment: Record<string, string | undefined>): Record<string, string | undefined> {
  const file = projectPaths(root).envFile;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return environment;
    throw userError(`cannot read .env: ${(e as Error).message}`, { location: { file: ".env" } });
  }
  return { ...parseEnv(text), ...environment };
}
