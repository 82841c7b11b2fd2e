/**
 * Which model and sampling variant each candidate of a prompt uses: round
 * robin over models first, then variants (with two models and three
 * variants: a·v1, b·v1, a·v2, b·v2, …), so `n` smaller than models × variants
 * still spreads over every model, and candidate i always gets the same spec no
 * matter how many candidates follow it. A spec used again is a new sample
 * (its `sample` index rises, and a fixed seed moves on by one).
 */
export interface ModelRef {
  provider: string;
  model: string;
}

export interface Variant {
  temperature?: number;
  top_p?: number;
  seed?: number;
  max_tokens?: number;
  system?: string;
}

export interface CandidateSpec {
  provider: string;
  model: string;
  /** The parameters actually sent, as recorded on the candidate. */
  params: Variant;
  /** How many earlier candidates of this prompt used the same model and variant. */
  sample: number;
}

export function planCandidates(models: readonly ModelRef[], variants: readonly Variant[], n: number): CandidateSpec[] {
  const combos = variants.flatMap((v) => models.map((m) => ({ m, v })));
  return Array.from({ length: n }, (_, i) => {
    const { m, v } = combos[i % combos.length]!;
    const sample = Math.floor(i / combos.length);
    const params: Variant = { ...v };
    if (v.seed !== undefined) params.seed = v.seed + sample;
    return { provider: m.provider, model: m.model, params, sample };
  });
}
