/**
 * `dpo annotate`: the local annotation app. Prints its URL on the first line
 * of output, then serves until Ctrl-C; every answer is already on disk.
 */
import { parse, positiveInt, printHelp, usageLine, type CommandSpec } from "../args.js";
import { loadProject } from "../load-project.js";
import { userError } from "../../engine/diagnostic.js";
import { AnnotationFile, annotationFile, checkAnnotator } from "../../annotate/annotation-file.js";
import { MODES, type Mode } from "../../annotate/items.js";
import { ProjectView } from "../../annotate/project-view.js";
import { describeOnly, parseOnly, select } from "../../annotate/selection.js";
import { serve } from "../../annotate/server.js";

export const DEFAULT_PORT = 8754;

export const SPEC = {
  command: "dpo annotate",
  summary: "Serve the annotation app on http://127.0.0.1:P/ (printed on the first line) until Ctrl-C; answers feed judges of type human that list the file.",
  options: {
    port: { type: "string", value: "P", description: `port (default ${DEFAULT_PORT}; 0 picks a free one)` },
    host: { type: "string", value: "H", description: "address to listen on (default 127.0.0.1: this machine only)" },
    annotator: { type: "string", value: "NAME", description: "who is annotating (otherwise the page asks); answers go to annotations/NAME.jsonl" },
    stage: { type: "string", value: "STAGE", description: "a judge/rubric stage (its candidates) or a stage of pairs (default: the judge stage, or pairs with --mode pairwise)" },
    mode: { type: "string", value: "pointwise|pairwise", description: "score one candidate, or A vs B (default: from the stage)" },
    only: { type: "string", value: "all|disputed|sample:N", description: "what to annotate: all (default), disputed pairs (or their candidates), or a seeded sample" },
  },
  notes: ["See docs/annotations.md for the line format and imports from Argilla and Label Studio."],
} as const satisfies CommandSpec;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals, root } = parse(argv, SPEC);
  if (values.help) return printHelp(SPEC);
  if (positionals.length > 0) throw userError(`dpo annotate takes no arguments, found "${positionals[0]}"`, { hint: `usage: ${usageLine(SPEC)}` });
  const port = values.port === "0" ? 0 : positiveInt(values.port, "--port", DEFAULT_PORT);
  if (port > 65535) throw userError(`--port expects a port number up to 65535, found "${values.port}"`);
  const mode = values.mode === undefined ? undefined : modeOf(values.mode);
  const annotator = values.annotator === undefined ? undefined : checkAnnotator(values.annotator);
  const only = parseOnly(values.only ?? "all");

  const view = ProjectView.open(await loadProject(root));
  const selection = await select(view, { stage: values.stage, mode, only });
  const humanFiles = view.humanFiles(selection.judgeStage);
  const server = await serve({ root, selection, annotator, host: values.host ?? "127.0.0.1", port, humanFiles });

  process.stdout.write(`${server.url}\n`);
  const what = (selection.mode === "pairwise" ? "pair" : "candidate") + (selection.count === 1 ? "" : "s");
  process.stderr.write(`annotating ${selection.count} ${what} of stage "${selection.stage}" (${selection.mode}, ${describeOnly(only)}) with rubric "${selection.rubric.name}"; Ctrl-C to stop\n`);
  if (annotator !== undefined) {
    // Created now, so it can be listed under a human judge's files (which must exist) before the first answer.
    await new AnnotationFile(root, annotator).ensure();
    const file = annotationFile(annotator);
    process.stderr.write(`answers go to ${file}\n`);
    if (!humanFiles.includes(file)) process.stderr.write(notReadHint(selection.judgeStage.name, file));
  }
  await stopped();
  await server.close();
  return 0;
}

function modeOf(text: string): Mode {
  if ((MODES as readonly string[]).includes(text)) return text as Mode;
  throw userError(`--mode expects pointwise or pairwise, found "${text}"`);
}

function notReadHint(judgeStage: string, file: string): string {
  return (
    `note: no human judge of stage "${judgeStage}" reads ${file}, so builds do not see these answers yet; add to its judges:\n` +
    `        - { id: people, type: human, files: [${file}] }\n`
  );
}

function stopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
