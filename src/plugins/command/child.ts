/**
 * Runs one external program: no shell, stdout and stderr written line by line
 * (secrets redacted) to a log file as they arrive, so a long training run can
 * be followed with `tail -f`, and the end of stderr kept for the error message.
 *
 * The child gets a process group of its own: cancelling the build (Ctrl-C,
 * SIGTERM, a newer change in watch mode) sends SIGTERM to the whole group —
 * a training script's data-loader workers too — and SIGKILL if it is still
 * there after a grace period.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { onAbort } from "../../engine/async/abort-fanout.js";

export interface ChildSpec {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Absolute path of the log file (created or truncated). */
  logFile: string;
  redact: (text: string) => string;
  signal: AbortSignal;
}

export interface ChildResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  exitSignal: NodeJS.Signals | null;
  /** The whole log, as written to the file. */
  log: string;
  /** The last lines of stderr (redacted). */
  stderrTail: string;
}

const TAIL_LINES = 20;
const KILL_GRACE_MS = 5000;

export function runChild(spec: ChildSpec): Promise<ChildResult> {
  if (spec.signal.aborted) return Promise.reject(spec.signal.reason);
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const fd = openSync(spec.logFile, "w");
  const log: string[] = [];
  const tail: string[] = [];
  const write = (line: string, fromStderr: boolean) => {
    const clean = spec.redact(line);
    log.push(clean);
    writeSync(fd, clean);
    if (fromStderr) {
      tail.push(clean);
      if (tail.length > TAIL_LINES) tail.shift();
    }
  };
  return new Promise<ChildResult>((resolve, reject) => {
    const child = spawn(spec.argv[0]!, spec.argv.slice(1), { cwd: spec.cwd, env: spec.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const out = lineWriter((l) => write(l, false));
    const err = lineWriter((l) => write(l, true));
    child.stdout.on("data", out.push);
    child.stderr.on("data", err.push);
    let killTimer: NodeJS.Timeout | undefined;
    const unsubscribe = onAbort(spec.signal, () => {
      signalGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), KILL_GRACE_MS);
      killTimer.unref();
    });
    let finished = false;
    const finish = () => {
      if (finished) return false;
      finished = true;
      unsubscribe();
      clearTimeout(killTimer);
      closeSync(fd);
      return true;
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (finish()) reject(new Error(e.code === "ENOENT" ? `program \`${spec.argv[0]}\` not found` : `cannot run \`${spec.argv[0]}\`: ${e.message}`));
    });
    child.on("close", (code, exitSignal) => {
      out.end();
      err.end();
      if (!finish()) return;
      if (spec.signal.aborted) reject(spec.signal.reason);
      else resolve({ code, exitSignal, log: log.join(""), stderrTail: tail.join("") });
    });
  });
}

/** Splits a byte stream into lines (each with its `\n`), so redaction never sees half a secret. */
function lineWriter(emit: (line: string) => void): { push: (chunk: Buffer) => void; end: () => void } {
  let pending = "";
  const decoder = new TextDecoder();
  return {
    push(chunk) {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        emit(pending.slice(0, nl + 1));
        pending = pending.slice(nl + 1);
      }
    },
    end() {
      pending += decoder.decode();
      if (pending) emit(pending + "\n");
      pending = "";
    },
  };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
