/**
 * The load-time checks a stage's plugin asks for: its `checkFiles` hook (the
 * files it can validate without running, e.g. a rubric) and its `publishes`
 * declaration (the out/ paths it writes). Both run before any stage does, so
 * a bad rubric or two stages writing the same file cost nothing.
 */
import { DpoError } from "../diagnostic.js";
import type { Digest } from "../hash.js";
import { claimsCollide, outFileProblem } from "../out-path.js";
import type { FileCheckContext, Plugin } from "../plugin.js";
import { pointerNaming, projectFileReaders } from "../project-files.js";
import type { NodeErrors } from "./locations.js";
import { joinPointer } from "./pointer.js";
import type { StageConfig } from "./project-config.js";
import { error, type LoadContext } from "./ref-checks.js";
import { dottedPath } from "./yaml-source.js";

/** Located errors about one stage, from the parsed config (pointers relative to the stage's entry). */
export function stageErrors(lc: LoadContext, name: string): NodeErrors {
  const base = joinPointer("stages", name);
  const diagnostic = (pointer: string, message: string, hint?: string) =>
    error(message, lc.src.locate(base + pointer, { key: pointer === "" }), { path: dottedPath(base + pointer, lc.src.value), ...(hint ? { hint } : {}) });
  return {
    diagnostic,
    fail(pointer, message, hint): never {
      throw new DpoError(diagnostic(pointer, message, hint));
    },
  };
}

/** Runs the plugin's `checkFiles`, reporting what it throws; returns the project files it read (they key the compiled config). */
export async function checkStageFiles(lc: LoadContext, stage: StageConfig, plugin: Plugin): Promise<string[]> {
  if (!plugin.checkFiles) return [];
  const errors = stageErrors(lc, stage.name);
  const reads: Record<string, Digest> = {};
  const ctx: FileCheckContext = { stage: stage.name, with: stage.with, root: lc.root, ...projectFileReaders(lc.root, stage.with, errors, reads), ...errors };
  try {
    await plugin.checkFiles(ctx);
  } catch (e) {
    if (!(e instanceof DpoError)) throw e; // a bug in the plugin: the CLI reports it as one
    lc.report(e.diagnostics);
  }
  return Object.keys(reads).sort();
}

/**
 * The out/ paths the plugin declares for this stage, as claims (a folder with
 * a trailing slash); a bad one is reported (at the `with` entry naming it) and left out.
 */
export function declaredOutPaths(lc: LoadContext, stage: StageConfig, plugin: Plugin): string[] {
  if (!plugin.publishes) return [];
  const declared = plugin.publishes(stage.with);
  const errors = stageErrors(lc, stage.name);
  const good: string[] = [];
  const check = (path: string, claim: string) => {
    const problem = outFileProblem(path);
    if (!problem) return good.push(claim);
    const what = claim === path ? "publishes" : "publishes the folder";
    lc.report([errors.diagnostic(claimPointer(stage, path), `stage \`${stage.name}\` ${what} \`${path}\` under out/, which is ${problem}`, "name a file inside out/, e.g. `reports/agreement.json`")]);
  };
  for (const file of declared.files ?? []) check(file, file);
  for (const folder of declared.folders ?? []) check(folder, folder + "/");
  return good;
}

/** Two stages claiming the same out/ path (or a file where the other has a folder): one error naming both. */
export function checkOutCollisions(lc: LoadContext, stages: Record<string, StageConfig>, claims: ReadonlyMap<string, string[]>): void {
  const seen: [string, string][] = [];
  for (const [name, paths] of claims) {
    for (const path of paths) {
      const clash = seen.find(([other, p]) => other !== name && claimsCollide(p, path));
      if (!clash) continue;
      const [other, otherPath] = clash;
      const what = otherPath === path ? `out/${path}` : `out/${path} (stage \`${other}\` publishes out/${otherPath})`;
      lc.report([{
        ...stageErrors(lc, name).diagnostic(claimPointer(stages[name]!, path), `stages \`${other}\` and \`${name}\` both publish ${what}`, "give each stage its own out/ path"),
        related: [{ message: `stage \`${other}\` publishes it`, location: lc.src.locate(joinPointer("stages", other) + claimPointer(stages[other]!, otherPath), { key: claimPointer(stages[other]!, otherPath) === "" }) }],
      }]);
      break; // one error per stage is enough
    }
    for (const path of paths) seen.push([name, path]);
  }
}

/** Where a claimed path is written in the stage's `with` (as is, or as a folder name), else the stage. */
function claimPointer(stage: StageConfig, path: string): string {
  return pointerNaming(stage.with, path) || pointerNaming(stage.with, path.replace(/\/$/, "")) || "";
}
