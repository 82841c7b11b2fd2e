/** Built-in provider types, by the value of `type:` in `providers`, loaded lazily. */
import type { ProviderType } from "../engine/provider.js";

type Loader = () => Promise<ProviderType>;

export const builtinProviders: Record<string, Loader> = {
  // one line per provider type, kept sorted:
  openai: () => import("./openai.js").then((m) => m.default),
};
