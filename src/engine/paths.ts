/**
 * Every path under a project, named here and nowhere else, so moving `cache/`
 * or renaming a file is a change to one function. Pure: nothing is opened.
 */
import { join } from "node:path";

/** The config file's name, relative to the project root. */
export const CONFIG_FILE = "dpo.config.yaml";

export interface ProjectPaths {
  root: string;
  /** `dpo.config.yaml`. */
  configFile: string;
  /** `.env`: variables for `${VAR}`, under the real environment (never committed). */
  envFile: string;
  /** `dpo.lock`, committed with the project. */
  lockFile: string;
  /** `out/`: the human-facing view of what the build produced. */
  outDir: string;
  /** `cache/`: everything derived, git-ignored. */
  cacheDir: string;
  /** The content-addressed objects. */
  objectsDir: string;
  /** The run cache: stage key → manifest digest. */
  indexDir: string;
  /**
   * Scratch space of the store: objects being written and sorted runs. It is
   * inside objects/ so that renaming into place stays on one filesystem even
   * when `cache/objects` is a mount or symlink of its own. (Every other file is
   * written to a temp file beside itself: see atomic.ts.)
   */
  tmpDir: string;
  /** The item memo (LMDB). */
  memoDir: string;
  /** path + size + mtime + inode → digest, so unchanged inputs are statted, not re-read. */
  fileState: string;
  /** The compiled config (`cache/config.json`). */
  compiledConfig: string;
  /** The project lock held by a running build. */
  buildPid: string;
  /** Derived state that `dpo clean` removes (the memo of paid-for calls is separate). */
  derived: string[];
}

export function projectPaths(root: string): ProjectPaths {
  const cacheDir = join(root, "cache");
  const objectsDir = join(cacheDir, "objects");
  const paths = {
    root,
    configFile: join(root, CONFIG_FILE),
    envFile: join(root, ".env"),
    lockFile: join(root, "dpo.lock"),
    outDir: join(root, "out"),
    cacheDir,
    objectsDir,
    indexDir: join(cacheDir, "index"),
    tmpDir: join(objectsDir, ".tmp"),
    memoDir: join(cacheDir, "memo"),
    fileState: join(cacheDir, "file-state.json"),
    compiledConfig: join(cacheDir, "config.json"),
    buildPid: join(cacheDir, "build.pid"),
  };
  // cache/tmp is where older versions kept their scratch files.
  return { ...paths, derived: [paths.objectsDir, paths.indexDir, join(cacheDir, "tmp"), paths.fileState, paths.compiledConfig] };
}
