/**
 * Turns whatever a stage threw into diagnostics: a DpoError's own located
 * diagnostics, a corrupt input, or (a bug in a plugin) one error naming the
 * stage, with the stack only under DPO_DEBUG. Every message is redacted.
 */
import { ArtifactCorrupt } from "../artifact.js";
import type { ProjectConfig, StageConfig } from "../config/load.js";
import { DpoError, type Diagnostic } from "../diagnostic.js";

export async function stageFailure(e: unknown, stage: StageConfig, config: ProjectConfig, redact: (s: string) => string): Promise<Diagnostic[]> {
  return locateInConfig(toDiagnostics(e, stage, redact), config);
}

function toDiagnostics(e: unknown, stage: StageConfig, redact: (s: string) => string): Diagnostic[] {
  if (e instanceof DpoError) return e.diagnostics.map((d) => ({ ...d, message: redact(`stage "${stage.name}": ${d.message}`) }));
  if (e instanceof ArtifactCorrupt) return [{ severity: "error", message: e.message }];
  const err = e as Error;
  const where = err?.stack?.split("\n").slice(1, 4).join("\n") ?? "";
  return [{
    severity: "error",
    message: redact(`stage "${stage.name}" (${stage.uses}) failed: ${err?.message ?? String(e)}`),
    location: stage.location,
    hint: process.env.DPO_DEBUG ? redact(where) : "set DPO_DEBUG=1 to see where in the plugin it failed",
  }];
}

/**
 * A plugin that rejects its `with` block at run time names the config path
 * (`stages.judge.with.judges[1].scorers`) but cannot know the line: find it in
 * the config source, so every config problem is reported at file:line:column.
 */
async function locateInConfig(diagnostics: Diagnostic[], config: ProjectConfig): Promise<Diagnostic[]> {
  if (!diagnostics.some((d) => !d.location && d.path?.startsWith("stages."))) return diagnostics;
  const { parseYaml, joinPointer } = await import("../config/yaml-source.js");
  const src = parseYaml(config.source, config.file);
  if (!src.ok) return diagnostics;
  return diagnostics.map((d) => {
    if (d.location || !d.path?.startsWith("stages.")) return d;
    const segments = d.path.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "");
    return { ...d, location: src.value.locate(joinPointer(...segments)) };
  });
}
