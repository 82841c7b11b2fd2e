/**
 * Where `uses:` and provider `type:` names are looked up. The built-in maps
 * are passed in by the CLI (the engine never imports src/plugins); a `uses`
 * starting with `./` or `../` is a project-local plugin module.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Plugin } from "./plugin.js";
import type { ProviderType } from "./provider.js";
import { isReallyWithin, isWithin } from "./real-path.js";
import { err, ok, type Result } from "./result.js";

export interface Registry {
  plugin(uses: string, root: string): Promise<Result<{ plugin: Plugin; file?: string }, string>>;
  pluginNames(): string[];
  providerType(type: string): Promise<ProviderType | undefined>;
  providerTypes(): string[];
}

export function isLocalPlugin(uses: string): boolean {
  return uses.startsWith("./") || uses.startsWith("../");
}

export function createRegistry(
  plugins: Record<string, () => Promise<Plugin>>,
  providers: Record<string, () => Promise<ProviderType>>,
): Registry {
  return {
    async plugin(uses, root) {
      if (isLocalPlugin(uses)) return loadLocalPlugin(uses, root);
      const load = Object.hasOwn(plugins, uses) ? plugins[uses] : undefined;
      return load ? ok({ plugin: await load() }) : err(`unknown plugin \`${uses}\``);
    },
    pluginNames: () => Object.keys(plugins).sort(),
    async providerType(type) {
      const load = Object.hasOwn(providers, type) ? providers[type] : undefined;
      return load?.();
    },
    providerTypes: () => Object.keys(providers).sort(),
  };
}

async function loadLocalPlugin(uses: string, root: string): Promise<Result<{ plugin: Plugin; file: string }, string>> {
  const file = resolve(root, uses);
  // Importing runs the module's top-level code: decide before, on real paths (a linked folder counts as outside).
  if (!isWithin(root, file)) return err(`plugin file \`${uses}\` lies outside the project; project-local plugins must be inside it`);
  if (!isReallyWithin(root, file)) return err(`plugin file \`${uses}\` is a symbolic link (or lies in a linked folder) leading outside the project; project-local plugins must be inside it`);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return err(`plugin file \`${uses}\` not found`);
  let mod: { default?: unknown };
  try {
    // The modification time in the URL makes an edited plugin load afresh (watch mode).
    mod = await import(`${pathToFileURL(file).href}?mtime=${info.mtimeMs}`);
  } catch (e) {
    return err(`cannot load plugin \`${uses}\`: ${(e as Error).message}`);
  }
  const problems = pluginShapeProblems(mod.default);
  if (problems.length > 0) {
    return err(`plugin \`${uses}\` must \`export default definePlugin({...})\`; ${problems.join(", ")}`);
  }
  return ok({ plugin: mod.default as Plugin, file });
}

function pluginShapeProblems(p: unknown): string[] {
  if (p === null || typeof p !== "object") return [`its default export is ${p === null ? "null" : typeof p}`];
  const o = p as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof o.name !== "string") problems.push("`name` must be a string");
  if (typeof o.version !== "string") problems.push("`version` must be a string");
  if (o.schema === null || typeof o.schema !== "object") problems.push("`schema` must be a JSON Schema object");
  if (typeof o.run !== "function") problems.push("`run` must be a function");
  for (const hook of ["checkFiles", "publishes"]) if (o[hook] !== undefined && typeof o[hook] !== "function") problems.push(`\`${hook}\` must be a function`);
  return problems;
}
