/**
 * Where a project keeps things, and the stores opened over them. Every path
 * under a project is named here and nowhere else, so moving `cache/` or
 * renaming a file is a change to one function.
 */
import { join } from "node:path";
import { openFileState, type FileState } from "./file-state.js";
import { StageIndex } from "./stage-index.js";
import { ObjectStore } from "./store.js";

/** The config file's name, relative to the project root. */
export const CONFIG_FILE = "dpo.config.yaml";

export interface ProjectPaths {
  root: string;
  /** `dpo.config.yaml`. */
  configFile: string;
  /** `dpo.lock`, committed with the project. */
  lockFile: string;
  /** `out/`: the human-facing view of what the build produced. */
  outDir: string;
  /** `cache/`: everything derived, git-ignored. */
  cacheDir: string;
  /** The run cache: stage key → manifest digest. */
  indexDir: string;
  /** Temp files of the store and of sorting; renamed into place from here. */
  tmpDir: string;
  /** The item memo (LMDB). */
  memoDir: string;
  /** The compiled config (`cache/config.json`). */
  compiledConfig: string;
  /** The project lock held by a running build. */
  buildPid: string;
  /** Derived state that `dpo clean` removes (the memo of paid-for calls is separate). */
  derived: string[];
}

export function projectPaths(root: string): ProjectPaths {
  const cacheDir = join(root, "cache");
  return {
    root,
    configFile: join(root, CONFIG_FILE),
    lockFile: join(root, "dpo.lock"),
    outDir: join(root, "out"),
    cacheDir,
    indexDir: join(cacheDir, "index"),
    tmpDir: join(cacheDir, "tmp"),
    memoDir: join(cacheDir, "memo"),
    compiledConfig: join(cacheDir, "config.json"),
    buildPid: join(cacheDir, "build.pid"),
    derived: ["objects", "index", "tmp", "file-state.json", "config.json"].map((p) => join(cacheDir, p)),
  };
}

export interface Project {
  root: string;
  paths: ProjectPaths;
  store: ObjectStore;
  index: StageIndex;
  files: FileState;
}

export function openProject(root: string): Project {
  const paths = projectPaths(root);
  const store = new ObjectStore(paths.cacheDir);
  return {
    root,
    paths,
    store,
    index: new StageIndex(paths.cacheDir, store),
    files: openFileState(paths.cacheDir, root),
  };
}
