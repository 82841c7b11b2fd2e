/** Reads a project file named in a stage's `with`, turning "not found" into a user error. */
import type { PluginContext } from "../../engine/plugin.js";

export async function readProjectText(ctx: PluginContext<any>, relPath: string, what: string): Promise<string> {
  try {
    return (await ctx.readFile(relPath)).toString("utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      ctx.fail("/with", `${what} "${relPath}" does not exist`, "paths are relative to the project root");
    }
    throw e;
  }
}
