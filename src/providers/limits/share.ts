/**
 * A provider's limits divided among the builds that use its endpoint at once
 * (the n shards of `dpo build --shard i/n`, see ProviderEnv.concurrentBuilds):
 * the configured limits describe the endpoint, so n shards on n machines
 * together stay within them. Each share is rounded down, but never below 1 —
 * so with fewer units than shards the shards together may exceed the limit.
 */
export interface Limits {
  maxConcurrency?: number;
  rpm?: number;
  tpm?: number;
}

export function shareLimits<C extends Limits>(config: C, builds: number): C {
  if (!(builds > 1)) return config;
  const share = (v: number | undefined) => (v === undefined ? undefined : Math.max(1, Math.floor(v / builds)));
  const shared = { ...config };
  for (const k of ["maxConcurrency", "rpm", "tpm"] as const) if (config[k] !== undefined) shared[k] = share(config[k]) as C[typeof k];
  return shared;
}
