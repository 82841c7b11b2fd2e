/**
 * What `dpo annotate` reads of a project: the loaded config, the stages' last
 * built outputs (dpo.lock → the stored artifact, as `dpo show` reads them) and
 * the rubric of the judge stage behind the stage being annotated.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ArtifactCorrupt, StoredArtifact } from "../engine/artifact.js";
import { parseConfigFile } from "../engine/config/config-file.js";
import type { ProjectConfig, StageConfig } from "../engine/config/load.js";
import { didYouMean, DpoError, userError } from "../engine/diagnostic.js";
import { lockRequired, readLock, type LockFile } from "../engine/lock.js";
import type { Rec } from "../engine/plugin.js";
import { openProject, type Project } from "../engine/project.js";
import { checkRubric } from "../plugins/rubric/load.js";
import { rubricSchema, type Rubric } from "../plugins/rubric/model.js";

export const JUDGE_PLUGIN = "judge/rubric";
export const PAIR_PLUGIN = "pair/preference";
export const AGREEMENT_PLUGIN = "quality/agreement";

export class ProjectView {
  private constructor(
    readonly config: ProjectConfig,
    readonly project: Project,
    private readonly lock: LockFile,
  ) {}

  static open(config: ProjectConfig): ProjectView {
    const project = openProject(config.root);
    const { lock, problem } = readLock(project.paths.lockFile);
    if (problem) throw lockRequired(problem, "dpo annotate");
    return new ProjectView(config, project, lock);
  }

  stage(name: string): StageConfig {
    const s = this.config.stages[name];
    if (!s) {
      const guess = didYouMean(name, Object.keys(this.config.stages));
      throw userError(`no stage "${name}" in ${this.config.file}`, { hint: guess ? `did you mean "${guess}"?` : `stages: ${this.config.order.join(", ")}` });
    }
    return s;
  }

  /** The first stage (in build order) using a plugin. */
  firstUsing(plugin: string): StageConfig | undefined {
    return this.config.order.map((n) => this.config.stages[n]!).find((s) => s.uses === plugin);
  }

  /** Stages that name `stage` in their `needs` and use `plugin`. */
  downstream(stage: string, plugin: string): StageConfig[] {
    return this.config.order.map((n) => this.config.stages[n]!).filter((s) => s.uses === plugin && s.needs.includes(stage));
  }

  /** The nearest stage at or above `stage` (following `needs`) that uses judge/rubric. */
  judgeStageOf(stage: string): StageConfig | undefined {
    const queue = [stage];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const s = this.stage(queue.shift()!);
      if (s.uses === JUDGE_PLUGIN) return s;
      if (seen.has(s.name)) continue;
      seen.add(s.name);
      queue.push(...s.needs);
    }
    return undefined;
  }

  /** The stage's last built records. */
  async records(name: string): Promise<Rec[]> {
    const entry = this.lock.stages[name];
    if (!entry) throw userError(`stage "${name}" has no built output in dpo.lock`, { hint: "run `dpo build` first" });
    try {
      return await new StoredArtifact(name, entry.output, entry.records, this.project.store).all();
    } catch (e) {
      if (!(e instanceof ArtifactCorrupt)) throw e;
      throw new DpoError({ severity: "error", message: e.message, hint: "run `dpo build` (or `dpo verify`) to rebuild it" }, 1);
    }
  }

  /** The rubric file a judge/rubric stage names, read and checked as the stage reads it. */
  async rubric(judge: StageConfig): Promise<Rubric> {
    const rel = String(judge.with.rubric);
    const text = await readFile(join(this.project.paths.root, rel), "utf8").catch(() => {
      throw userError(`rubric file "${rel}" of stage "${judge.name}" cannot be read`);
    });
    return checkRubric(parseConfigFile<Rubric>(text, rel, rubricSchema));
  }

  /** The project-relative files human judges of a judge/rubric stage read. */
  humanFiles(judge: StageConfig): string[] {
    const judges = (judge.with.judges ?? []) as { type: string; files?: string[] }[];
    return judges.filter((j) => j.type === "human").flatMap((j) => j.files ?? []);
  }
}
