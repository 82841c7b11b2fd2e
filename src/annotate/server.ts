/**
 * The annotation app's HTTP server (node:http): the page and its assets from
 * the package's `assets/annotate/`, a session (rubric, items, what this
 * annotator already answered) and an endpoint that appends each answer to the
 * annotator's file before replying. Bound to loopback unless told otherwise;
 * requests naming another host are refused (DNS rebinding), answers must be
 * JSON (no cross-site form posts), and the page may load nothing from elsewhere.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { userError } from "../engine/diagnostic.js";
import { sortedAnchors } from "../plugins/rubric/model.js";
import { answerLine, type PostedAnswer } from "./answer.js";
import { AnnotationFile, annotationFile, checkAnnotator } from "./annotation-file.js";
import { itemKey, type Item } from "./items.js";
import { describeOnly, type Selection } from "./selection.js";

export const ASSETS_DIR = fileURLToPath(new URL("../../assets/annotate/", import.meta.url));

const ASSETS: Record<string, [file: string, type: string]> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  "/app.css": ["app.css", "text/css; charset=utf-8"],
};

const MAX_BODY = 1 << 20;

export interface ServeOptions {
  root: string;
  selection: Selection;
  /** Fixed by `--annotator`; otherwise the page asks and sends `?annotator=`. */
  annotator?: string;
  host: string;
  port: number;
  /** Files human judges read (project-relative), to tell the page whether builds see its answers. */
  humanFiles: string[];
  now?: () => Date;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serve(o: ServeOptions): Promise<RunningServer> {
  const app = new App(o);
  const server = createServer((req, res) => {
    app.handle(req, res).catch((e: unknown) => send(res, 500, { error: String((e as Error)?.message ?? e) }));
  });
  await listen(server, o.host, o.port);
  const port = (server.address() as AddressInfo).port;
  app.port = port;
  const shown = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EADDRINUSE") reject(userError(`port ${port} on ${host} is in use`, { hint: "stop what uses it, or pick another with --port (--port 0 picks a free one)" }));
      else if (e.code === "EACCES") reject(userError(`not allowed to listen on port ${port} of ${host}`, { hint: "use a port above 1024" }));
      else if (e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND") reject(userError(`cannot listen on host "${host}": not an address of this machine`));
      else reject(e);
    });
    server.listen(port, host, () => resolve());
  });
}

class App {
  port = 0;
  private readonly files = new Map<string, AnnotationFile>();
  private readonly items = new Map<string, { list: Item[]; byId: Map<string, Item> }>();

  constructor(private readonly o: ServeOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://placeholder");
    if (!this.hostAllowed(req.headers.host)) return send(res, 421, { error: "unexpected Host header" });
    const asset = ASSETS[url.pathname];
    if (req.method === "GET" && asset) return sendAsset(res, ...asset);
    if (url.pathname === "/api/session" && req.method === "GET") return this.session(res, url);
    if (url.pathname === "/api/answers" && req.method === "POST") return this.answer(req, res, url);
    return send(res, 404, { error: `no ${req.method} ${url.pathname}` });
  }

  /** Loopback servers answer only to their own name, so a page on another site cannot reach them through DNS tricks. */
  private hostAllowed(host: string | undefined): boolean {
    if (!["127.0.0.1", "localhost", "::1"].includes(this.o.host)) return true;
    return ["127.0.0.1", "localhost", "[::1]"].some((h) => host === `${h}:${this.port}`);
  }

  private annotatorOf(url: URL): string | undefined {
    const name = this.o.annotator ?? url.searchParams.get("annotator") ?? undefined;
    return name === undefined || name === "" ? undefined : name;
  }

  private file(annotator: string): AnnotationFile {
    let f = this.files.get(annotator);
    if (!f) this.files.set(annotator, (f = new AnnotationFile(this.o.root, annotator)));
    return f;
  }

  private itemsOf(annotator: string) {
    let entry = this.items.get(annotator);
    if (!entry) {
      const list = this.o.selection.itemsFor(annotator);
      this.items.set(annotator, (entry = { list, byId: new Map(list.map((i) => [i.id, i])) }));
    }
    return entry;
  }

  private async session(res: ServerResponse, url: URL): Promise<void> {
    const s = this.o.selection;
    const base = {
      mode: s.mode,
      stage: s.stage,
      only: describeOnly(s.only),
      fixedAnnotator: this.o.annotator !== undefined,
      rubric: {
        name: s.rubric.name,
        scale: s.rubric.scale,
        instructions: s.rubric.instructions,
        criteria: s.rubric.criteria.map((c) => ({ id: c.id, description: c.description, anchors: sortedAnchors(c) })),
      },
    };
    const annotator = this.annotatorOf(url);
    if (annotator === undefined) return send(res, 200, { ...base, annotator: null });
    if (!validName(annotator)) return send(res, 400, { error: `annotator name "${annotator}" is not usable: letters, digits, '.', '_' and '-'` });
    const file = this.file(annotator);
    await file.ensure();
    const answered = await file.answered();
    const { list } = this.itemsOf(annotator);
    const rel = annotationFile(annotator);
    send(res, 200, {
      ...base,
      annotator,
      file: rel,
      readByBuild: this.o.humanFiles.includes(rel),
      items: list.map(clientItem),
      answered: list.filter((i) => answered.has(itemKey(i))).map((i) => i.id),
    });
  }

  private async answer(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return send(res, 415, { error: "answers are JSON" });
    const annotator = this.annotatorOf(url);
    if (annotator === undefined || !validName(annotator)) return send(res, 400, { error: "no usable annotator name" });
    let posted: PostedAnswer;
    try {
      posted = JSON.parse(await body(req)) as PostedAnswer;
    } catch (e) {
      return send(res, 400, { error: `not JSON: ${(e as Error).message}` });
    }
    const { list, byId } = this.itemsOf(annotator);
    const item = byId.get(String(posted?.item));
    if (!item) return send(res, 404, { error: `no item ${String(posted?.item)} in this session` });
    const at = (this.o.now ?? (() => new Date()))().toISOString();
    const result = answerLine(item, posted, this.o.selection.rubric, { annotator, stage: this.o.selection.stage, at });
    if (!result.ok) return send(res, 400, { error: result.error });
    const file = this.file(annotator);
    // Checked against the file itself, so two tabs (or a restart) never record an item twice.
    const answered = await file.answered();
    if (answered.has(itemKey(item))) return send(res, 409, { error: "already answered", answered: countIn(list, answered) });
    await file.append(result.line);
    answered.add(itemKey(item));
    send(res, 200, { saved: true, line: result.line, answered: countIn(list, answered), total: list.length });
  }
}

function validName(name: string): boolean {
  try {
    checkAnnotator(name);
    return true;
  } catch {
    return false;
  }
}

const countIn = (list: Item[], answered: Set<string>) => list.filter((i) => answered.has(itemKey(i))).length;

/** What the page shows: texts only — no model names (they bias), no hint which side was chosen. */
function clientItem(i: Item) {
  return i.kind === "candidate" ? { id: i.id, prompt: i.prompt, response: i.response } : { id: i.id, prompt: i.prompt, a: i.a.text, b: i.b.text };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) return reject(new Error("answer too large")), req.destroy();
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...SECURITY_HEADERS });
  res.end(JSON.stringify(value));
}

async function sendAsset(res: ServerResponse, file: string, type: string): Promise<void> {
  const content = await readFile(ASSETS_DIR + file);
  res.writeHead(200, { "content-type": type, ...SECURITY_HEADERS });
  res.end(content);
}
