/** The `providers:` map: each entry's type is known and its config valid against that type's schema. */
import { didYouMean } from "../diagnostic.js";
import { validate } from "../schema.js";
import { joinPointer } from "./pointer.js";
import type { ProviderConfig } from "./project-config.js";
import { checkRefs, error, isObj, type LoadContext, type Obj } from "./ref-checks.js";
import { applyRefPolicy } from "./refs.js";
import { schemaErrors } from "./yaml-source.js";

export async function checkProviders(lc: LoadContext, entries: Obj): Promise<Record<string, ProviderConfig>> {
  const out: Record<string, ProviderConfig> = {};
  for (const [name, entry] of Object.entries(entries)) {
    if (!isObj(entry) || typeof entry.type !== "string") continue; // reported by the top-level schema
    const pointer = joinPointer("providers", name);
    const { type, ...config } = entry;
    const providerType = await lc.registry.providerType(type);
    if (!providerType) {
      const known = lc.registry.providerTypes();
      const guess = didYouMean(type, known);
      lc.report([
        error(`unknown provider type \`${type}\``, lc.src.locate(pointer + "/type"), {
          path: `providers.${name}.type`,
          hint: guess ? `did you mean \`${guess}\`?` : `known types: ${known.join(", ") || "none"}`,
        }),
      ]);
      continue;
    }
    const v = validate(providerType.schema, config);
    lc.report(schemaErrors(v.errors, lc.src, { pointerPrefix: pointer, schema: providerType.schema, value: config }));
    const policy = applyRefPolicy(config, v.refs);
    lc.keepSecrets(policy.secrets);
    await checkRefs(lc, pointer, policy, `provider \`${name}\``, {});
    const ref = { version: providerType.version, load: async () => providerType };
    // Identity = what the provider's replies depend on: no secrets, no tuning knobs.
    out[name] = { name, type, providerType: ref, config, identity: { type, version: providerType.version, config: policy.keyed } };
  }
  return out;
}
