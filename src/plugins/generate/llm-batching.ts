/**
 * Which candidates of a prompt can be asked for in one request: those of the
 * same provider, model and variant, which differ only in their sample index
 * (a variant used again for candidate 4 after candidates 0–3). The provider
 * asks for a group's missing members with `n` (its `maxN` at a time) and
 * memoises each choice under the key a single call for that member would use.
 *
 * A variant with a fixed seed is not grouped: its samples are sent with seeds
 * seed, seed + 1 …, as recorded on each candidate, and one request has one seed.
 */
import type { PluginContext } from "../../engine/plugin.js";
import type { ChatMessage, ChatResult } from "../../providers/llm.js";
import type { PreparedSpec } from "./llm.js";

/** Candidates asked for together: their positions in the plan, in sample order. */
export interface SampleGroup {
  members: { position: number; prepared: PreparedSpec }[];
}

export function groupSamples(plan: readonly PreparedSpec[]): SampleGroup[] {
  const groups = new Map<string, SampleGroup>();
  const out: SampleGroup[] = [];
  for (const [position, prepared] of plan.entries()) {
    const { spec } = prepared;
    const groupable = spec.params.seed === undefined && typeof prepared.provider.chatSamples === "function";
    const key = groupable ? JSON.stringify([spec.provider, spec.model, spec.params]) : undefined;
    const group = key === undefined ? undefined : groups.get(key);
    if (group) {
      group.members.push({ position, prepared });
      continue;
    }
    const fresh = { members: [{ position, prepared }] };
    if (key !== undefined) groups.set(key, fresh);
    out.push(fresh);
  }
  return out;
}

/** The replies of a group's members, in member order: one `chat` call for a single member, else one `chatSamples` call. */
export function askGroup(ctx: PluginContext<any>, group: SampleGroup, conversation: ChatMessage[]): Promise<ChatResult[]> {
  const { prepared } = group.members[0]!;
  const { spec, provider, system, sampling } = prepared;
  const request = { model: spec.model, messages: system === undefined ? conversation : [system, ...conversation], ...sampling };
  if (group.members.length === 1 || !provider.chatSamples) {
    return Promise.all(group.members.map((m) => provider.chat({ ...request, ...m.prepared.sampling }, { ctx, sample: m.prepared.spec.sample })));
  }
  return provider.chatSamples(request, { ctx, samples: group.members.map((m) => m.prepared.spec.sample) });
}
