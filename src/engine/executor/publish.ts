/**
 * Writes a stage's published files under `out/`, where they differ from what
 * is there. The store holds the truth; `out/` is a view of it that can be
 * deleted and is put back by the next build, cached or not.
 */
import { mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ArtifactCorrupt } from "../artifact.js";
import { writeFileAtomic } from "../atomic.js";
import type { Project } from "../project.js";
import type { StageManifest } from "../stage-index.js";

export async function materialise(project: Project, m: StageManifest): Promise<void> {
  const outRel = relative(project.root, project.paths.outDir);
  for (const [rel, digest] of Object.entries(m.published)) {
    const target = join(project.paths.outDir, rel);
    if ((await project.files.digestIfExists(join(outRel, rel))) === digest) continue;
    const data = project.store.get(digest);
    if (!data) throw new ArtifactCorrupt(m.stage, digest);
    mkdirSync(dirname(target), { recursive: true });
    writeFileAtomic(target, data);
  }
}
