/** A rubric from text, as `ctx.readConfigFile` + `checkRubric` read it in a stage. */
import { parseConfigFile } from "../../src/engine/config/config-file.js";
import { checkRubric } from "../../src/plugins/rubric/load.js";
import { rubricSchema, type Rubric } from "../../src/plugins/rubric/model.js";

export function parseRubric(text: string, file: string): Rubric {
  return checkRubric(parseConfigFile<Rubric>(text, file, rubricSchema));
}
