/**
 * The stage graph: `needs` edges point from a stage to the stages it reads.
 * Every function is deterministic: ties are broken by config order (the order
 * of keys in the `stages` map).
 */
import { didYouMean, type Diagnostic } from "../diagnostic.js";
import { err, ok, type Result } from "../result.js";

/** The part of a stage the graph needs. */
export type StageGraph = Readonly<Record<string, { readonly needs: readonly string[]; readonly uses?: string }>>;

/** Stages in dependency order, ties in config order. Stages on a cycle (or needing one) are left out. */
export function topoOrder(stages: StageGraph): string[] {
  const names = Object.keys(stages);
  const done = new Set<string>();
  const order: string[] = [];
  const ready = (n: string) => !done.has(n) && stages[n]!.needs.every((d) => done.has(d) || !Object.hasOwn(stages, d));
  // The earliest ready stage in config order, then rescan: O(n²), fine for configs.
  for (let next = names.find(ready); next !== undefined; next = names.find(ready)) {
    done.add(next);
    order.push(next);
  }
  return order;
}

/**
 * Every group of stages that depend on each other (strongly connected
 * components with an edge inside), members in config order, groups ordered by
 * their first member.
 */
export function findCycles(stages: StageGraph): string[][] {
  const names = Object.keys(stages);
  const rank = new Map(names.map((n, i) => [n, i]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of stages[v]!.needs) {
      if (!Object.hasOwn(stages, w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || stages[v]!.needs.includes(v)) groups.push(group.sort((a, b) => rank.get(a)! - rank.get(b)!));
  };
  for (const n of names) if (!index.has(n)) visit(n);
  return groups.sort((a, b) => rank.get(a[0]!)! - rank.get(b[0]!)!);
}

interface OrderedGraph {
  stages: StageGraph;
  /** Topological order of all stages. */
  order: readonly string[];
}

/** The targets and everything they need, in build order. An unknown target is an error. */
export function selectTargets(config: OrderedGraph, targets: string[]): Result<string[], Diagnostic[]> {
  if (targets.length === 0) return ok([...config.order]); // no targets: the whole graph
  const unknown = targets.filter((t) => !Object.hasOwn(config.stages, t));
  if (unknown.length > 0) {
    return err(
      unknown.map((t) => {
        const guess = didYouMean(t, Object.keys(config.stages));
        return { severity: "error", message: `unknown stage \`${t}\``, ...(guess ? { hint: `did you mean \`${guess}\`?` } : {}) };
      }),
    );
  }
  const wanted = closure(targets, (n) => config.stages[n]!.needs);
  return ok(config.order.filter((n) => wanted.has(n)));
}

/** Every stage that (transitively) needs `name`, in build order. */
export function dependentsOf(config: OrderedGraph, name: string): string[] {
  const dependents = closure([name], (n) => Object.keys(config.stages).filter((s) => config.stages[s]!.needs.includes(n)));
  dependents.delete(name);
  return config.order.filter((n) => dependents.has(n));
}

function closure(start: string[], next: (n: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...start];
  while (todo.length > 0) {
    const n = todo.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    todo.push(...next(n));
  }
  return seen;
}

/** A Mermaid flowchart; arrows follow the data (from a stage to the stages that need it). */
export function toMermaid(config: OrderedGraph): string {
  // Numbered ids: stage names such as `end` are Mermaid keywords.
  const id = new Map(config.order.map((n, i) => [n, `s${i}`]));
  const esc = (s: string) => s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
  const lines = ["flowchart TD"];
  for (const n of config.order) {
    const uses = config.stages[n]!.uses;
    lines.push(`  ${id.get(n)}["${esc(n)}${uses ? `<br/><small>${esc(uses)}</small>` : ""}"]`);
  }
  for (const [from, to] of edges(config)) lines.push(`  ${id.get(from)} --> ${id.get(to)}`);
  return lines.join("\n") + "\n";
}

/** A Graphviz digraph; arrows follow the data. */
export function toDot(config: OrderedGraph): string {
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  const lines = ["digraph dpo {", "  rankdir=LR;", "  node [shape=box];"];
  for (const n of config.order) {
    const uses = config.stages[n]!.uses;
    lines.push(`  ${q(n)} [label=${q(uses ? `${n}\n${uses}` : n).replace(/\n/g, "\\n")}];`);
  }
  for (const [from, to] of edges(config)) lines.push(`  ${q(from)} -> ${q(to)};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

function edges(config: OrderedGraph): [string, string][] {
  return config.order.flatMap((n) => config.stages[n]!.needs.map((d): [string, string] => [d, n]));
}
