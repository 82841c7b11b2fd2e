/**
 * Loads a project's config with the built-in plugins and providers. A config
 * unchanged since the last run is read from its compiled form (no YAML parse,
 * no schema compilation, no plugin import); otherwise the full loader runs and
 * its diagnostics become one DpoError that prints them all with source lines.
 */
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadProjectConfig } from "../engine/config/compiled.js";
import type { ProjectConfig } from "../engine/config/load.js";
import { createRegistry } from "../engine/registry.js";
import { builtinPlugins } from "../plugins/index.js";
import { builtinProviders } from "../providers/index.js";

export const registry = createRegistry(builtinPlugins, builtinProviders);

/** This installation of dpo: its compiled entry point's mtime changes with every build of dpo. */
const stamp = (() => {
  const main = fileURLToPath(new URL("./main.js", import.meta.url));
  return `${statSync(main).mtimeMs}`;
})();

export async function loadProject(root: string, env: Record<string, string | undefined> = process.env): Promise<ProjectConfig> {
  return loadProjectConfig({
    root,
    registry,
    env,
    stamp,
    load: async () => (await import("../engine/config/load.js")).loadConfig({ root, registry, env }),
  });
}
