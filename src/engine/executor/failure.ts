/**
 * Turns whatever a stage threw into diagnostics: a DpoError's own diagnostics
 * (located by `ctx.fail` at the config node they concern), a corrupt input,
 * or — a bug in a plugin — one error naming the stage, with the stack only
 * under DPO_DEBUG. Every message is redacted.
 */
import { ArtifactCorrupt } from "../artifact.js";
import type { StageConfig } from "../config/load.js";
import { DpoError, type Diagnostic } from "../diagnostic.js";

export function stageFailure(e: unknown, stage: StageConfig, redact: (s: string) => string): Diagnostic[] {
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
