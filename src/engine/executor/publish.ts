/**
 * Writes a stage's published files under `out/`, where they differ from what
 * is there. The store holds the truth; `out/` is a view of it that can be
 * deleted and is put back by the next build, cached or not.
 *
 * `out/` itself may be a symbolic link (outputs on another volume, like a
 * `cache/` on a CI cache disk: the user's choice), but nothing is written
 * through a link under it that leads out of it (`out/reports` → elsewhere);
 * and no two stages of one build may publish the same path (or a file where
 * the other has a folder).
 */
import { dirname, join, relative } from "node:path";
import { ArtifactCorrupt } from "../artifact.js";
import { DpoError } from "../diagnostic.js";
import type { OutClaims } from "../out-path.js";
import type { Project } from "../project.js";
import { isReallyWithin } from "../real-path.js";
import type { StageManifest } from "../stage-index.js";

export async function materialise(project: Project, m: StageManifest, claims?: OutClaims): Promise<void> {
  const paths = Object.keys(m.published);
  if (paths.length === 0) return;
  const collision = claims?.claim(m.stage, paths);
  if (collision) {
    const same = collision.path === collision.otherPath;
    throw new DpoError({
      severity: "error",
      message: same
        ? `publishes out/${collision.path}, which stage "${collision.other}" publishes too`
        : `publishes out/${collision.path}, which collides with out/${collision.otherPath} of stage "${collision.other}"`,
      hint: "give each stage its own out/ path",
    });
  }
  const outDir = project.paths.outDir;
  const outRel = relative(project.root, outDir);
  for (const [rel, digest] of Object.entries(m.published)) {
    const target = join(outDir, rel);
    if (!isReallyWithin(outDir, dirname(target))) throw outside(`${outRel}/${rel}`);
    if ((await project.files.digestIfExists(join(outRel, rel))) === digest) continue;
    if (!project.store.copyTo(digest, target)) throw new ArtifactCorrupt(m.stage, digest);
  }
}

function outside(path: string): DpoError {
  return new DpoError({
    severity: "error",
    message: `refusing to write ${path}: a symbolic link on the way leads outside out/`,
    hint: "make the folders in out/ plain folders, or point the link inside out/",
  });
}
