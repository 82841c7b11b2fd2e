/**
 * The checks of `needs`: every entry names a stage, no stage depends on
 * itself through a cycle, and each stage gets as many inputs, of the record
 * kinds, as its plugin declares it takes.
 */
import { didYouMean, type Location } from "../diagnostic.js";
import type { Plugin, RecordKind } from "../plugin.js";
import { findCycles, topoOrder } from "./graph.js";
import { joinPointer } from "./pointer.js";
import type { StageConfig } from "./project-config.js";
import { error, isObj, type LoadContext, type Obj } from "./ref-checks.js";

type Stages = Record<string, StageConfig>;

export function checkNeeds(lc: LoadContext, stages: Stages): void {
  const names = Object.keys(stages);
  for (const stage of Object.values(stages)) {
    const listed = Array.isArray(rawStage(lc, stage.name)?.needs);
    stage.needs.forEach((need, i) => {
      if (Object.hasOwn(stages, need)) return;
      const guess = didYouMean(need, names);
      lc.report([
        error(`stage \`${stage.name}\` needs \`${need}\`, which is not a stage`, needLocation(lc, stage.name, need), {
          path: `stages.${stage.name}.needs${listed ? `[${i}]` : ""}`,
          hint: guess ? `did you mean \`${guess}\`?` : `stages: ${names.join(", ")}`,
        }),
      ]);
    });
  }
}

export function checkCycles(lc: LoadContext, stages: Stages): void {
  for (const group of findCycles(stages)) {
    const members = new Set(group);
    const related = group.flatMap((from) =>
      stages[from]!.needs.filter((to) => members.has(to)).map((to) => ({ message: `\`${from}\` needs \`${to}\``, location: needLocation(lc, from, to) })),
    );
    const list = group.map((n) => `\`${n}\``).join(group.length === 2 ? " and " : ", ");
    lc.report([
      error(group.length === 1 ? `stage ${list} needs itself` : `stages ${list} need each other in a cycle`, stages[group[0]!]!.location, {
        path: `stages.${group[0]}`,
        hint: "remove one of these `needs` entries",
        related,
      }),
    ]);
  }
}

/**
 * How many inputs a stage has, and of which kinds, against what its plugin
 * declares. Kinds flow in dependency order, so a `dedup` of pairs produces pairs.
 */
export function checkInputs(lc: LoadContext, stages: Stages, plugins: ReadonlyMap<string, Plugin>): void {
  const produces = new Map<string, RecordKind | undefined>();
  for (const name of topoOrder(stages)) {
    const stage = stages[name]!;
    const plugin = plugins.get(name);
    const needs = stage.needs.filter((n) => Object.hasOwn(stages, n)); // unknown names have their own error
    if (!plugin) continue;
    const kinds = needs.map((n) => produces.get(n));
    produces.set(name, plugin.output === "same" ? sameKind(kinds) : plugin.output);
    const spec = plugin.inputs;
    if (!spec || needs.length !== stage.needs.length) continue;
    const label = `stage \`${name}\` (${stage.uses})`;
    const countProblem = countMismatch(spec.min ?? 0, spec.max ?? Infinity, needs.length);
    if (countProblem) {
      const at = needs.length === 0 ? stage.location : lc.src.locate(joinPointer("stages", name, "needs"));
      lc.report([error(`${label} takes ${countProblem}`, at, { path: `stages.${name}.needs` })]);
      continue;
    }
    const accepts = spec.accepts;
    if (!accepts) continue;
    needs.forEach((need, i) => {
      const kind = kinds[i];
      if (kind === undefined || accepts.includes(kind)) return;
      const upstream = `\`${need}\` (${stages[need]!.uses})`;
      lc.report([
        error(`${label} takes ${orList(accepts)} records, but ${upstream} produces ${kind}`, needLocation(lc, name, need), {
          path: `stages.${name}.needs`,
          hint: `see docs/records.md for what each plugin takes and produces`,
        }),
      ]);
    });
  }
}

function countMismatch(min: number, max: number, n: number): string | undefined {
  if (n >= min && n <= max) return undefined;
  const stagesWord = (k: number) => (k === 1 ? "one input stage" : `${k} input stages`);
  const want = min === max ? `exactly ${stagesWord(min)}` : n < min ? `at least ${stagesWord(min)}` : max === 0 ? "no input stage" : `at most ${stagesWord(max)}`;
  const got = n === 0 ? "it has no `needs`" : `\`needs\` names ${n}`;
  return `${want}, but ${got}`;
}

function sameKind(kinds: (RecordKind | undefined)[]): RecordKind | undefined {
  const first = kinds[0];
  return kinds.every((k) => k === first) ? first : undefined;
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

function rawStage(lc: LoadContext, name: string): Obj | undefined {
  const stages = (lc.src.value as Obj | null)?.stages;
  const raw = isObj(stages) ? stages[name] : undefined;
  return isObj(raw) ? raw : undefined;
}

/** The `needs` entry naming `need` (or the `needs` string itself). */
function needLocation(lc: LoadContext, stage: string, need: string): Location {
  const pointer = joinPointer("stages", stage, "needs");
  const list = rawStage(lc, stage)?.needs;
  const i = Array.isArray(list) ? list.indexOf(need) : -1;
  return lc.src.locate(i >= 0 ? pointer + joinPointer(i) : pointer);
}
