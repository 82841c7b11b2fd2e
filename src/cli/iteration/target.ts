/**
 * `dpo build --iteration NAME`: which export/iterations stage declares NAME,
 * how many pairs it needs (its train size plus the held-out split), and the
 * growth policy that admits prompts in rounds until the export reports them.
 * The next round is sized by the yield seen so far (pairs per admitted prompt,
 * after ties, gates, disputes and dedup), with a 10% margin.
 */
import type { Growth, Round } from "../../engine/build.js";
import type { ProjectConfig } from "../../engine/config/load.js";
import { didYouMean, DpoError } from "../../engine/diagnostic.js";
import { namedSlices } from "../../plugins/export/slices.js";
import type { Threshold } from "../../plugins/export/gate-spec.js";

export const EXPORT_PLUGIN = "export/iterations";

export interface IterationTarget {
  stage: string;
  name: string;
  size: number;
  /** Held-out pairs it needs besides (0: none, or a fraction, which has no fixed size). */
  evalSize: number;
  gate: Threshold[];
  /** The iteration before it in the same stage (whose measurements its gate reads), if any. */
  previous: string | null;
}

/** Every iteration of every export/iterations stage, smallest first per stage. */
export function iterationsOf(config: ProjectConfig): IterationTarget[] {
  const out: IterationTarget[] = [];
  for (const s of Object.values(config.stages)) {
    if (s.plugin.name !== EXPORT_PLUGIN) continue;
    const w = s.with as { iterations: Parameters<typeof namedSlices>[0]; eval?: { size?: number } };
    const slices = namedSlices(w.iterations);
    slices.forEach((it, i) =>
      out.push({ stage: s.name, name: it.name, size: it.size, evalSize: w.eval?.size ?? 0, gate: it.gate, previous: i > 0 ? slices[i - 1]!.name : null }),
    );
  }
  return out;
}

export function findIteration(config: ProjectConfig, name: string): IterationTarget {
  const all = iterationsOf(config);
  const found = all.find((t) => t.name === name);
  if (found) return found;
  const names = all.map((t) => t.name);
  const guess = didYouMean(name, names);
  throw new DpoError(
    {
      severity: "error",
      message: names.length ? `no iteration named "${name}" (the export stages declare ${names.join(", ")})` : `no iteration named "${name}": no stage uses ${EXPORT_PLUGIN}`,
      ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}),
    },
    2,
  );
}

const MARGIN = 1.1;

export function iterationGrowth(t: IterationTarget): Growth {
  const needed = t.size + t.evalSize;
  return {
    // A first guess of one pair per prompt: it is what best-vs-worst pairing gives at most.
    first: needed,
    next(round: Round) {
      const tallies = exportTallies(round, t.stage);
      if (!tallies) return "done";
      if ((tallies[`pairs.${t.name}`] ?? 0) >= t.size) return "done";
      const have = (tallies["pairs.available"] ?? 0) + (tallies["pairs.eval"] ?? 0);
      const yieldSoFar = Math.max(have / Math.max(1, round.admitted), 0.02);
      return round.admitted + Math.ceil((Math.max(1, needed - have) / yieldSoFar) * MARGIN);
    },
  };
}

function exportTallies(round: Round, stage: string): Record<string, number> | undefined {
  const o = round.outcomes.find((x) => x.stage === stage);
  return o && (o.status === "ran" || o.status === "cached") ? o.manifest.tallies : undefined;
}
