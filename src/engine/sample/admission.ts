/**
 * Admission: what the stages below the roots see of the roots' records. An
 * unlimited build passes root artifacts through untouched; a build limited to
 * K (`BuildOptions.admit`) hands downstream stages a stored artifact of the
 * first K root records in sample order instead, so everything below works on
 * those alone and its keys (inputs are output digests) differ from a full
 * build's. The root stages themselves always run whole: reading a source is
 * cheap, and the order must be over all of it.
 */
import { writeArtifact, StoredArtifact } from "../artifact.js";
import type { ProjectConfig } from "../config/load.js";
import type { Built, StageOutcome } from "../executor/outcome.js";
import { isBuilt } from "../executor/outcome.js";
import type { ObjectStore } from "../store.js";
import { RankTable, type SampleOrder } from "./order.js";

export class Admission {
  private readonly orders = new Map<string, Promise<SampleOrder | undefined>>();
  private readonly admittedInputs = new Map<string, Promise<Built>>();

  constructor(
    private readonly config: ProjectConfig,
    private readonly store: ObjectStore,
    private readonly outcomeOf: (stage: string) => Promise<StageOutcome>,
    /** Root records admitted; undefined: all. */
    readonly admit: number | undefined,
  ) {}

  isRoot(stage: string): boolean {
    return this.config.stages[stage]!.needs.length === 0;
  }

  /** The sample order over the records of the root stages `stage` descends from (undefined while one is not built). */
  orderFor(stage: string): Promise<SampleOrder | undefined> {
    const roots = this.rootsOf(stage);
    const key = roots.join("\0");
    let p = this.orders.get(key);
    if (!p) {
      p = this.computeOrder(roots);
      this.orders.set(key, p);
    }
    return p;
  }

  /** What a stage needing root stage `u` reads of it: `u` itself, or its admitted prefix when the build is limited. */
  async inputOf(u: Built): Promise<Built> {
    if (this.admit === undefined || !this.isRoot(u.stage)) return u;
    let p = this.admittedInputs.get(u.stage);
    if (!p) {
      p = this.admitted(u);
      this.admittedInputs.set(u.stage, p);
    }
    return p;
  }

  private async admitted(u: Built): Promise<Built> {
    const order = (await this.orderFor(u.stage))!;
    if (order.admitted >= order.total) return u;
    const keep = (id: string) => (order.position(id) ?? Infinity) <= order.admitted;
    const records = (async function* () {
      for await (const r of u.artifact.records()) if (keep(r.id)) yield r;
    })();
    const written = await writeArtifact(this.store, records);
    const artifact = new StoredArtifact(u.stage, written.digest, written.count, this.store, u.artifact.tallies);
    return { ...u, artifact };
  }

  private async computeOrder(roots: string[]): Promise<SampleOrder | undefined> {
    const outcomes = await Promise.all(roots.map((r) => this.outcomeOf(r)));
    if (!outcomes.every(isBuilt)) return undefined;
    const ranks = new RankTable(this.config.seed);
    for (const o of outcomes as Built[]) for await (const r of o.artifact.records()) ranks.add(r.id);
    return ranks.order(this.admit);
  }

  /** Root stages `stage` descends from (itself when it is one), sorted. */
  private rootsOf(stage: string): string[] {
    const roots = new Set<string>();
    const seen = new Set<string>();
    const visit = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const needs = this.config.stages[name]!.needs;
      if (needs.length === 0) roots.add(name);
      needs.forEach(visit);
    };
    visit(stage);
    return [...roots].sort();
  }
}
