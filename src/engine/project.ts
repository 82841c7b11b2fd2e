/** A project: its paths and the stores opened over them. */
import { FileState } from "./file-state.js";
import { StageIndex } from "./stage-index.js";
import { projectPaths, type ProjectPaths } from "./paths.js";
import { ObjectStore } from "./store.js";

export interface Project {
  root: string;
  paths: ProjectPaths;
  store: ObjectStore;
  index: StageIndex;
  files: FileState;
}

export function openProject(root: string): Project {
  const paths = projectPaths(root);
  const store = new ObjectStore(paths);
  return { root, paths, store, index: new StageIndex(paths, store), files: new FileState(paths.fileState, root) };
}
