/**
 * Loads a project's config with the built-in plugins and providers, turning
 * config diagnostics into one DpoError that prints them all with source lines.
 */
import { loadConfig, type ProjectConfig } from "../engine/config/load.js";
import { DpoError } from "../engine/diagnostic.js";
import { createRegistry } from "../engine/registry.js";
import { builtinPlugins } from "../plugins/index.js";
import { builtinProviders } from "../providers/index.js";

export const registry = createRegistry(builtinPlugins, builtinProviders);

export async function loadProject(root: string, env: Record<string, string | undefined> = process.env): Promise<ProjectConfig> {
  const result = await loadConfig({ root, registry, env });
  if (!result.ok) throw new DpoError(result.error, 2);
  return result.value;
}
