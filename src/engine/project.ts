/** Where a project keeps things, and the stores opened over them. */
import { join } from "node:path";
import { openFileState, type FileState } from "./file-state.js";
import { StageIndex } from "./stage-index.js";
import { ObjectStore } from "./store.js";

export interface Project {
  root: string;
  cacheDir: string;
  lockPath: string;
  outDir: string;
  store: ObjectStore;
  index: StageIndex;
  files: FileState;
}

export function openProject(root: string): Project {
  const cacheDir = join(root, "cache");
  const store = new ObjectStore(cacheDir);
  return {
    root,
    cacheDir,
    lockPath: join(root, "dpo.lock"),
    outDir: join(root, "out"),
    store,
    index: new StageIndex(cacheDir, store),
    files: openFileState(cacheDir, root),
  };
}
