/**
 * The scheduler: walks the selected stages of a loaded config, starting each
 * as soon as the stages it needs are done (independent stages run
 * concurrently), and turns each stage's plan into an outcome. It decides
 * nothing about freshness (plan.ts) and runs no plugin itself (run-stage.ts).
 *
 * A stored input that turns out corrupt when a stage is about to read it is
 * never used: the stage that produced it is recomputed once, with a warning.
 */
import { ArtifactCorrupt, type StoredArtifact } from "../artifact.js";
import { assertNever } from "../assert-never.js";
import type { StageConfig } from "../config/load.js";
import type { Digest } from "../hash.js";
import { DpoError } from "../diagnostic.js";
import { OutClaims } from "../out-path.js";
import { stageFailure } from "./failure.js";
import { staleStagePolicy } from "./mode.js";
import { isBuilt, noMemoTraffic, type Built, type StageOutcome } from "./outcome.js";
import { planStage, type Plan, type PlanContext } from "./plan.js";
import { materialise } from "./publish.js";
import { runStage, type StageRun } from "./run-stage.js";
import { Admission } from "../sample/admission.js";
import { isLimited } from "../sample/order.js";
import type { Fingerprint } from "../fingerprint.js";

type Stale = Extract<Plan, { kind: "stale" }>;

export class Scheduler {
  private readonly outcomes = new Map<string, Promise<StageOutcome>>();
  private readonly rebuilt = new Map<string, Promise<StageOutcome>>();

  private readonly run: StageRun & PlanContext;
  private readonly admission: Admission;

  /** `admit`: root records admitted in sample order (undefined: all of them). */
  constructor(run: StageRun & PlanContext, admit?: number) {
    this.admission = new Admission(run.config, run.project.store, (name) => this.outcome(name), admit);
    // One set of out/ claims per build: two stages publishing the same path fail, whichever runs second.
    this.run = { ...run, outClaims: run.outClaims ?? new OutClaims(), sampleFor: (name) => (this.admission.isRoot(name) ? Promise.resolve(undefined) : this.admission.orderFor(name)) };
  }

  /** The outcome of a stage, evaluated once per build however many stages need it. */
  outcome(name: string): Promise<StageOutcome> {
    let p = this.outcomes.get(name);
    if (!p) {
      p = this.evaluate(this.stage(name));
      this.outcomes.set(name, p);
    }
    return p;
  }

  private stage(name: string): StageConfig {
    const stage = this.run.config.stages[name];
    if (!stage) throw new Error(`no stage named "${name}"`);
    return stage;
  }

  private async evaluate(stage: StageConfig): Promise<StageOutcome> {
    const upstream = await Promise.all(stage.needs.map((n) => this.outcome(n)));
    const notBuilt = upstream.filter((u) => !isBuilt(u));
    if (notBuilt.length) {
      const names = notBuilt.map((u) => u.stage);
      if (notBuilt.every((u) => u.status === "would-run")) {
        return { status: "would-run", stage: stage.name, reasons: names.map((n) => `upstream stage "${n}" will run`) };
      }
      return { status: "blocked", stage: stage.name, by: names };
    }
    const built = await Promise.all((upstream as Built[]).map((u) => this.admission.inputOf(u)));
    const plan = await planStage(stage, inputDigests(built), this.run, await this.admissionOf(stage));
    switch (plan.kind) {
      case "fresh":
        return this.reuse(stage, plan, built);
      case "stale":
        return this.onStale(stage, plan, built);
      default:
        return assertNever(plan);
    }
  }

  /** How many root records the stages of `order` saw, of all there are (the widest set of roots among them). */
  async admissionSummary(order: readonly string[]): Promise<{ admitted: number; total: number } | undefined> {
    let widest: { admitted: number; total: number } | undefined;
    for (const name of order) {
      const o = await this.admission.orderFor(name);
      if (o && (!widest || o.total > widest.total)) widest = { admitted: o.admitted, total: o.total };
    }
    return widest;
  }

  /** A limited build's admission, for the key of a stage below the roots. */
  private async admissionOf(stage: StageConfig): Promise<Fingerprint["admission"]> {
    if (this.admission.admit === undefined || stage.needs.length === 0) return undefined;
    const order = await this.admission.orderFor(stage.name);
    return order && isLimited(order) ? { admitted: order.admitted, total: order.total } : undefined;
  }

  private async reuse(stage: StageConfig, plan: Extract<Plan, { kind: "fresh" }>, upstream: Built[]): Promise<StageOutcome> {
    const started = performance.now();
    const { stored } = plan;
    try {
      // A shard's outputs are partial: they stay in the store, out of out/.
      if (!this.run.shard) await materialise(this.run.project, stored.manifest, this.run.outClaims);
    } catch (e) {
      if (e instanceof DpoError) return publishFailure(stage, e, started, this.run.redact);
      if (!(e instanceof ArtifactCorrupt)) throw e;
      // A published object went bad after the existence check: recompute it rather than fail.
      this.run.reporter.warn(`a stored file of stage "${stage.name}" is missing or corrupt; recomputing the stage`);
      return this.onStale(stage, { kind: "stale", key: stored.key, fingerprint: stored.fingerprint, reasons: ["stored output missing or corrupt"] }, upstream);
    }
    this.run.resources.remote?.ensureStageResult(stored.key, stored.manifestDigest, stored.manifest);
    return { status: "cached", stage: stage.name, ms: performance.now() - started, ...stored };
  }

  private async onStale(stage: StageConfig, plan: Stale, upstream: Built[]): Promise<StageOutcome> {
    const policy = staleStagePolicy(this.run.mode);
    switch (policy) {
      case "report":
        return { status: "would-run", stage: stage.name, reasons: plan.reasons };
      case "reproduce":
        if (this.run.lock.stages[stage.name]?.key !== plan.key) return frozenFailure(stage, plan);
        return this.reproduce(stage, plan, upstream, this.run.lock.stages[stage.name]!.output);
      case "run":
        // After Ctrl-C (or a newer change in watch mode) no further stage starts.
        if (this.run.signal.aborted) return { status: "cancelled", stage: stage.name, ms: 0, memo: noMemoTraffic() };
        return runStage(stage, plan, () => this.verifiedInputs(upstream), this.run);
      default:
        return assertNever(policy);
    }
  }

  /** --frozen, a locked stage whose output is gone: rebuilt offline, it must give the locked output. */
  private async reproduce(stage: StageConfig, plan: Stale, upstream: Built[], locked: Digest): Promise<StageOutcome> {
    if (this.run.signal.aborted) return { status: "cancelled", stage: stage.name, ms: 0, memo: noMemoTraffic() };
    const ran = await runStage(stage, plan, () => this.verifiedInputs(upstream), this.run);
    if (ran.status !== "ran" || ran.manifest.records === locked) return ran;
    return {
      status: "failed", stage: stage.name, reasons: plan.reasons, ms: ran.ms, memo: ran.memo,
      diagnostics: [{
        severity: "error",
        message: `--frozen: stage "${stage.name}" was rebuilt (its stored output is missing) and gave ${ran.manifest.records.slice(0, 12)}, not ${locked.slice(0, 12)} as in dpo.lock: with identical inputs, so it is not deterministic`,
        location: stage.location,
        hint: "run `dpo verify` for details; a remote cache (remoteCache, --remote-cache) gives a fresh clone the stored outputs",
      }],
    };
  }

  private async verifiedInputs(upstream: Built[]): Promise<Record<string, StoredArtifact>> {
    const inputs: Record<string, StoredArtifact> = {};
    for (const u of upstream) inputs[u.stage] = await this.verifiedInput(u);
    return inputs;
  }

  /** An upstream artifact verified against its digest, or the same stage recomputed (once) when it is not. */
  private async verifiedInput(u: Built): Promise<StoredArtifact> {
    if (await u.artifact.verify()) return u.artifact;
    this.run.reporter.warn(`the stored output of stage "${u.stage}" is missing or corrupt; recomputing it`);
    let p = this.rebuilt.get(u.stage);
    if (!p) {
      const stage = this.stage(u.stage);
      const plan: Stale = { kind: "stale", key: u.key, fingerprint: u.fingerprint, reasons: ["stored output corrupt"] };
      p = Promise.all(stage.needs.map((n) => this.outcome(n))).then((up) => runStage(stage, plan, () => this.verifiedInputs(up as Built[]), this.run));
      this.rebuilt.set(u.stage, p);
    }
    const again = await p;
    if (again.status !== "ran" || !(await again.artifact.verify())) throw new ArtifactCorrupt(u.stage, u.artifact.digest);
    return again.artifact;
  }
}

function inputDigests(upstream: Built[]): Record<string, Digest> {
  return Object.fromEntries(upstream.map((u) => [u.stage, u.artifact.digest]));
}

/** A cached stage whose files cannot be put in out/ (a collision, a link leading outside). */
function publishFailure(stage: StageConfig, e: DpoError, started: number, redact: (s: string) => string): StageOutcome {
  const diagnostics = stageFailure(e, stage, redact);
  return { status: "failed", stage: stage.name, reasons: [], ms: performance.now() - started, memo: noMemoTraffic(), diagnostics };
}

function frozenFailure(stage: StageConfig, plan: Stale): StageOutcome {
  return {
    status: "failed", stage: stage.name, reasons: plan.reasons, ms: 0, memo: noMemoTraffic(),
    diagnostics: [{
      severity: "error",
      message: `--frozen: stage "${stage.name}" does not match dpo.lock and would be recomputed (${plan.reasons.join("; ")})`,
      location: stage.location,
      hint: "run `dpo build` without --frozen and commit the updated dpo.lock",
    }],
  };
}
