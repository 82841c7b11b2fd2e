/**
 * `dpo annotate`: the local annotation app. Prints its URL on the first line
 * of output, then serves until Ctrl-C; every answer is already on disk.
 */
import { parse, positiveInt } from "../args.js";
import { loadProject } from "../load-project.js";
import { userError } from "../../engine/diagnostic.js";
import { AnnotationFile, annotationFile, checkAnnotator } from "../../annotate/annotation-file.js";
import { MODES, type Mode } from "../../annotate/items.js";
import { ProjectView } from "../../annotate/project-view.js";
import { describeOnly, parseOnly, select } from "../../annotate/selection.js";
import { serve } from "../../annotate/server.js";

const USAGE = "dpo annotate [--port P] [--host H] [--annotator NAME] [--stage STAGE] [--mode pointwise|pairwise] [--only disputed|all|sample:N]";
export const DEFAULT_PORT = 8754;

const HELP = `${USAGE}
  Serves the annotation app on http://127.0.0.1:P/ (printed on the first line) until Ctrl-C.
  --port P           port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H           address to listen on (default 127.0.0.1: this machine only)
  --annotator NAME   who is annotating (otherwise the page asks); answers go to annotations/NAME.jsonl
  --stage STAGE      a judge/rubric stage (its candidates) or a stage of pairs
                     (default: the judge/rubric stage, or pair/preference with --mode pairwise)
  --mode M           pointwise: score one candidate; pairwise: A vs B (default: from the stage)
  --only W           all (default), disputed (pairs agreement disputes, or their candidates),
                     or sample:N (a seeded sample, the same for every annotator)
  Answers feed judges of type human that list the file; see docs/annotations.md.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals, root } = parse(
    argv,
    { port: { type: "string" }, host: { type: "string" }, annotator: { type: "string" }, stage: { type: "string" }, mode: { type: "string" }, only: { type: "string" } },
    USAGE,
  );
  if (values.help || positionals.length > 0) {
    process.stdout.write(HELP + "\n");
    return values.help ? 0 : 2;
  }
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
