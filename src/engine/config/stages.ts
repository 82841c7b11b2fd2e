/** One entry of `stages:`: its plugin is found and its `with` block valid against the plugin's schema. */
import { didYouMean } from "../diagnostic.js";
import type { Plugin } from "../plugin.js";
import { isLocalPlugin } from "../registry.js";
import { validate } from "../schema.js";
import { joinPointer } from "./pointer.js";
import type { PluginRef, ProviderConfig, StageConfig } from "./project-config.js";
import { checkRefs, error, isObj, type LoadContext, type Obj } from "./ref-checks.js";
import { applyRefPolicy } from "./refs.js";
import { checkStageFiles, declaredOutPaths } from "./stage-checks.js";
import { resolveStageEnv } from "./stage-env.js";
import { schemaErrors } from "./yaml-source.js";

/**
 * The stage, its plugin when one was found (for the checks of `needs`), and
 * the out/ paths it declares (for the check that no two stages collide).
 */
export async function checkStage(
  lc: LoadContext,
  name: string,
  s: Obj,
  providers: Record<string, ProviderConfig>,
): Promise<{ stage: StageConfig; plugin?: Plugin; outPaths?: string[] }> {
  const pointer = joinPointer("stages", name);
  const uses = typeof s.uses === "string" ? s.uses : "";
  const withBlock = isObj(s.with) ? s.with : {};
  const stage: StageConfig = {
    name,
    uses,
    plugin: undefined as unknown as PluginRef, // set below; a stage without a plugin only exists in a failed load
    needs: needsOf(s.needs),
    with: withBlock,
    keyed: withBlock,
    files: [],
    providers: [],
    location: lc.src.locate(pointer, { key: true }),
  };
  if (!uses) return { stage }; // reported by the top-level schema
  const loaded = await lc.registry.plugin(uses, lc.root);
  if (!loaded.ok) {
    const guess = isLocalPlugin(uses) ? undefined : didYouMean(uses, lc.registry.pluginNames());
    lc.report([error(loaded.error, lc.src.locate(pointer + "/uses"), { path: `stages.${name}.uses`, ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}) })]);
    return { stage };
  }
  const plugin = loaded.value.plugin;
  stage.plugin = { name: plugin.name, version: plugin.version, ...(plugin.provenance ? { provenance: true } : {}), load: async () => plugin };
  if (loaded.value.file) stage.pluginFile = loaded.value.file;
  if (s.with !== undefined && !isObj(s.with)) return { stage, plugin }; // reported by the top-level schema

  // Validate even an absent `with`: defaults are filled in and required keys reported.
  const withPointer = pointer + "/with";
  const v = validate(plugin.schema, stage.with);
  lc.report(schemaErrors(v.errors, lc.src, { pointerPrefix: withPointer, schema: plugin.schema, value: stage.with }));
  const policy = applyRefPolicy(stage.with, v.refs);
  lc.keepSecrets(policy.secrets);
  stage.keyed = policy.keyed;
  if (policy.env.length > 0) {
    const resolved = resolveStageEnv(policy.env, lc.env);
    stage.env = resolved.env;
    lc.keepSecrets(resolved.secrets);
  }
  const refs = await checkRefs(lc, withPointer, policy, `stage \`${name}\``, providers);
  stage.files = refs.files;
  if (refs.patterns.length > 0) stage.patterns = refs.patterns;
  stage.providers = refs.providers;
  if (!v.valid) return { stage, plugin }; // the hooks below may rely on a valid `with`
  const outPaths = declaredOutPaths(lc, stage, plugin);
  if (refs.ok && plugin.checkFiles) stage.checkedFiles = await checkStageFiles(lc, stage, plugin);
  return { stage, plugin, outPaths };
}

function needsOf(needs: unknown): string[] {
  const list = typeof needs === "string" ? [needs] : Array.isArray(needs) ? needs.filter((n): n is string => typeof n === "string") : [];
  return [...new Set(list)];
}
