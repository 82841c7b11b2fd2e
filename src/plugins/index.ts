/**
 * The built-in plugins, by the name used in `uses:`. Each entry imports its
 * module lazily, so a build loads only the plugins its config names (this keeps
 * a no-op `dpo build` close to bare CLI start-up).
 */
import type { Plugin } from "../engine/plugin.js";

type Loader = () => Promise<Plugin>;
const load = (p: Promise<{ default: Plugin }>) => p.then((m) => m.default);

export const builtinPlugins: Record<string, Loader> = {
  // one line per plugin, kept sorted:
};
