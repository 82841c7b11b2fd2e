/**
 * What a build tells the person running it: stage lines, live progress and the
 * summary table. On a TTY, one redrawn status line; elsewhere (CI), a plain
 * progress line per running stage every few seconds. Every line goes through
 * the redactor, so a secret can never be printed.
 */
import type { Logger, Progress } from "./plugin.js";

export interface StageLine {
  stage: string;
  status: string;
  records?: number;
  memoHits: number;
  memoMisses: number;
  ms: number;
  tallies?: Record<string, number>;
  stats?: Record<string, number>;
}

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  logger(stage: string): Logger;
  progress(stage: string): Progress;
  stageFinished(stage: string): void;
  summary(lines: StageLine[]): void;
  close(): void;
}

interface Bar {
  done: number;
  total: number;
  errors: number;
  tokens: number;
  started: number;
}

export function createReporter(opts: {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  err: NodeJS.WritableStream;
  redact: (s: string) => string;
  verbose?: boolean;
  quiet?: boolean;
  /** Plain progress lines every this many ms when not on a TTY. */
  plainEveryMs?: number;
}): Reporter {
  const tty = !!opts.out.isTTY && !process.env.CI;
  const bars = new Map<string, Bar>();
  let statusShown = false;
  let timer: NodeJS.Timeout | undefined;

  const clearStatus = () => {
    if (tty && statusShown) opts.out.write("\r\x1b[2K");
    statusShown = false;
  };
  const write = (stream: NodeJS.WritableStream, line: string) => {
    clearStatus();
    stream.write(opts.redact(line) + "\n");
  };
  const render = () => {
    if (!tty || bars.size === 0) return;
    const text = [...bars].map(([s, b]) => `${s} ${barText(b, 12)}`).join("  ·  ");
    const width = (opts.out.columns ?? 100) - 1;
    opts.out.write("\r\x1b[2K" + opts.redact(text).slice(0, width));
    statusShown = true;
  };
  // On a TTY the status line is redrawn often; elsewhere (CI logs) every few
  // seconds each running stage that has made progress gets one plain line.
  const printPlain = () => {
    if (opts.quiet) return;
    for (const [stage, bar] of bars) if (bar.done > 0) write(opts.out, `[${stage}] ${barText(bar, 0)}`);
  };
  const ensureTimer = () => {
    if (!timer) timer = setInterval(tty ? render : printPlain, tty ? 120 : opts.plainEveryMs ?? 5_000).unref();
  };

  return {
    info: (m) => !opts.quiet && write(opts.out, m),
    warn: (m) => write(opts.err, `warning: ${m}`),
    error: (m) => write(opts.err, m),
    logger: (stage) => ({
      info: (m) => !opts.quiet && write(opts.out, `[${stage}] ${m}`),
      warn: (m) => write(opts.err, `[${stage}] warning: ${m}`),
      debug: (m) => opts.verbose && write(opts.out, `[${stage}] ${m}`),
    }),
    progress(stage) {
      const bar: Bar = { done: 0, total: 0, errors: 0, tokens: 0, started: Date.now() };
      bars.set(stage, bar);
      ensureTimer();
      return {
        total(n) {
          bar.total = Math.max(bar.total, n);
        },
        tick(n = 1, extra) {
          bar.done += n;
          bar.errors += extra?.errors ?? 0;
          bar.tokens += extra?.tokens ?? 0;
        },
      };
    },
    stageFinished(stage) {
      bars.delete(stage);
      if (bars.size === 0) clearStatus();
    },
    summary(lines) {
      if (opts.quiet) return;
      write(opts.out, formatSummary(lines));
    },
    close() {
      if (timer) clearInterval(timer);
      clearStatus();
    },
  };
}

function barText(b: Bar, width: number): string {
  const secs = (Date.now() - b.started) / 1000;
  const rate = secs > 0 ? b.done / secs : 0;
  const parts: string[] = [];
  if (b.total > 0) {
    const frac = Math.min(1, b.done / b.total);
    if (width > 0) parts.push(`[${"█".repeat(Math.round(frac * width)).padEnd(width, "░")}]`);
    parts.push(`${b.done}/${b.total}`);
    const eta = rate > 0 ? (b.total - b.done) / rate : 0;
    parts.push(`${rate.toFixed(1)}/s`, `ETA ${formatSeconds(eta)}`);
  } else parts.push(`${b.done} done`, `${rate.toFixed(1)}/s`);
  if (b.errors) parts.push(`${b.errors} errors`);
  if (b.tokens) parts.push(`${b.tokens} tokens`);
  return parts.join(" ");
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  return s < 60 ? `${Math.ceil(s)}s` : `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, "0")}s`;
}

/** Most tallies a stage's summary line shows: a stage with per-iteration metrics has dozens, all in dpo.lock. */
const SHOWN_TALLIES = 16;

function clipped(shown: string[]): string[] {
  if (shown.length <= SHOWN_TALLIES) return shown;
  return [...shown.slice(0, SHOWN_TALLIES), `… ${shown.length - SHOWN_TALLIES} more in dpo.lock`];
}

export function formatSummary(lines: StageLine[]): string {
  const rows = [["stage", "status", "records", "memo hit/miss", "time"]];
  for (const l of lines) {
    rows.push([
      l.stage,
      l.status,
      l.records === undefined ? "-" : String(l.records),
      l.memoHits + l.memoMisses === 0 ? "-" : `${l.memoHits}/${l.memoMisses}`,
      l.ms < 1000 ? `${Math.round(l.ms)}ms` : `${(l.ms / 1000).toFixed(1)}s`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [fmt(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(fmt)];
  const show = (t: Record<string, number> = {}) => Object.entries(t).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`);
  for (const l of lines) {
    const tallies = show(l.tallies);
    const stats = show(l.stats);
    if (tallies.length) out.push(`  ${l.stage}: ${clipped(tallies).join("  ")}`);
    if (stats.length) out.push(`  ${l.stage} (this run): ${stats.join("  ")}`);
  }
  return out.join("\n");
}
