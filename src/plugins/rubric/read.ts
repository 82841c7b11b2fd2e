/** Reads a project file named in a stage's `with`, turning "not found" into a user error. */
import { userError } from "../../engine/diagnostic.js";
import type { PluginContext } from "../../engine/plugin.js";

export async function readProjectText(ctx: PluginContext<any>, relPath: string, what: string): Promise<string> {
  try {
    return (await ctx.readFile(relPath)).toString("utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw userError(`${what} "${relPath}" does not exist`, { path: `stages.${ctx.stage}.with`, hint: "paths are relative to the project root" });
    }
    throw e;
  }
}
