/**
 * The real file-event source: chokidar, watching exactly the given files
 * (and every file matching a given glob pattern, see watch-filter.ts).
 * It watches the folders that hold them (one level deep) and ignores every
 * other entry there: a file watched on its own is lost once deleted, and
 * editors and `git checkout` replace files (write a temporary, rename it over).
 */
import { relative, resolve, sep } from "node:path";
import type { FSWatcher } from "chokidar";
import type { FileEventSource } from "./driver.js";
import { watchFilter } from "./watch-filter.js";

export class ChokidarEvents implements FileEventSource {
  private watcher: FSWatcher | undefined;
  private listener: (path: string) => void = () => {};
  private closed = false;

  constructor(private readonly root: string) {}

  subscribe(listener: (path: string) => void): void {
    this.listener = listener;
  }

  async setWatched(paths: ReadonlySet<string>): Promise<void> {
    const { watch } = await import("chokidar");
    const filter = watchFilter(paths);
    const relevant = (p: string) => filter.relevant(relative(this.root, resolve(this.root, p)).split(sep).join("/") || ".");
    const next = watch([...filter.dirs], {
      cwd: this.root,
      depth: filter.depth,
      ignoreInitial: true,
      ignored: (p: string) => !relevant(p),
      awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 },
    });
    next.on("all", (_event, path) => {
      const rel = path.split(sep).join("/");
      if (filter.reports(rel)) this.listener(rel);
    });
    await new Promise<void>((ready) => next.once("ready", () => ready()));
    if (this.closed) return next.close(); // closed while this one was starting
    // The old watcher closes only after the new one is ready: a change in between is seen (maybe twice, which is harmless).
    const old = this.watcher;
    this.watcher = next;
    await old?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.close();
  }
}
