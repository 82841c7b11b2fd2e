/**
 * The OpenAI Batch API on top of the test chat server (llm-server.ts):
 * `POST /files` (multipart, purpose `batch`), `POST /batches`,
 * `GET /batches/{id}` and `GET /files/{id}/content`. A batch's lines are
 * answered by the chat route itself once the batch completes, so a batch
 * result is byte for byte what a direct call would have got. A batch stays
 * `in_progress` for `pollsBeforeDone` polls, or until `complete()` when held.
 * It counts each kind of request.
 */
import { startLlmServer, type LlmServer, type LlmServerOptions } from "./llm-server.js";

export interface BatchServerOptions extends LlmServerOptions {
  /** Polls answered `in_progress` before a batch completes (default 1). */
  pollsBeforeDone?: number;
  /** Keep every batch `in_progress` until `complete()` is called. */
  hold?: boolean;
  /** A failure for one line (its chat body): the line goes to the error file with this status and message. */
  failLine?: (body: any) => { status: number; message: string } | undefined;
  /** How a batch ends (default `completed`); `failed` and `cancelled` batches have no output. */
  finalStatus?: "completed" | "failed" | "cancelled" | "expired";
}

export interface BatchCounts {
  uploads: number;
  creates: number;
  polls: number;
  downloads: number;
}

export interface BatchServer extends LlmServer {
  readonly batch: BatchCounts;
  /** Lines of every uploaded file, parsed. */
  readonly uploadedLines: any[];
  /** Lets held batches complete at their next poll. */
  complete(): void;
}

interface Batch {
  id: string;
  input: string;
  polls: number;
  status: string;
  output_file_id: string | null;
  error_file_id: string | null;
}

export async function startBatchServer(o: BatchServerOptions = {}): Promise<BatchServer> {
  const files = new Map<string, string>();
  const batches = new Map<string, Batch>();
  const counts: BatchCounts = { uploads: 0, creates: 0, polls: 0, downloads: 0 };
  const uploadedLines: any[] = [];
  let held = o.hold ?? false;
  const json = (status: number, value: unknown) => ({ status, text: JSON.stringify(value) });

  const finish = (b: Batch, chat: (body: any) => unknown) => {
    b.status = o.finalStatus ?? "completed";
    if (b.status !== "completed" && b.status !== "expired") return;
    const out: string[] = [];
    const errors: string[] = [];
    for (const line of (files.get(b.input) ?? "").split("\n").filter((l) => l.trim())) {
      const { custom_id, body } = JSON.parse(line);
      const failure = o.failLine?.(body);
      if (failure) {
        errors.push(JSON.stringify({ id: `resp-${custom_id}`, custom_id, response: { status_code: failure.status, body: { error: { message: failure.message } } }, error: null }));
      } else {
        out.push(JSON.stringify({ id: `resp-${custom_id}`, custom_id, response: { status_code: 200, request_id: "r", body: chat(body) }, error: null }));
      }
    }
    b.output_file_id = out.length ? store(`${out.join("\n")}\n`) : null;
    b.error_file_id = errors.length ? store(`${errors.join("\n")}\n`) : null;
  };
  const store = (text: string) => {
    const id = `file-${files.size + 1}`;
    files.set(id, text);
    return id;
  };

  const server = await startLlmServer({
    ...o,
    routes: ({ method, path, raw }, chat) => {
      if (method === "POST" && path.endsWith("/files")) {
        counts.uploads++;
        const { purpose, file } = multipart(raw);
        if (purpose !== "batch" || file === undefined) return json(400, { error: { message: "expected purpose=batch and a file" } });
        uploadedLines.push(...file.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l)));
        return json(200, { id: store(file), object: "file", purpose, bytes: file.length });
      }
      if (method === "POST" && path.endsWith("/batches")) {
        counts.creates++;
        const body = JSON.parse(raw);
        if (body.endpoint !== "/v1/chat/completions" || !files.has(body.input_file_id)) return json(400, { error: { message: "bad batch request" } });
        const b: Batch = { id: `batch_${batches.size + 1}`, input: body.input_file_id, polls: 0, status: "validating", output_file_id: null, error_file_id: null };
        batches.set(b.id, b);
        return json(200, { ...b, object: "batch", input_file_id: b.input });
      }
      const batchId = method === "GET" ? /\/batches\/([^/]+)$/.exec(path)?.[1] : undefined;
      if (batchId) {
        counts.polls++;
        const b = batches.get(decodeURIComponent(batchId));
        if (!b) return json(404, { error: { message: "no such batch" } });
        if (b.status === "validating" || b.status === "in_progress") {
          b.polls++;
          if (!held && b.polls > (o.pollsBeforeDone ?? 1)) finish(b, chat);
          else b.status = "in_progress";
        }
        return json(200, { ...b, object: "batch", input_file_id: b.input, errors: b.status === "failed" ? { data: [{ message: "injected batch failure" }] } : null });
      }
      const fileId = method === "GET" ? /\/files\/([^/]+)\/content$/.exec(path)?.[1] : undefined;
      if (fileId) {
        counts.downloads++;
        const text = files.get(decodeURIComponent(fileId));
        return text === undefined ? json(404, { error: { message: "no such file" } }) : { status: 200, text, contentType: "application/jsonl" };
      }
      return undefined;
    },
  });
  return Object.assign(server, {
    batch: counts,
    uploadedLines,
    complete() {
      held = false;
    },
  }) as BatchServer;
}

/** The `purpose` and `file` fields of a multipart/form-data body (enough for the client's own uploads). */
function multipart(raw: string): { purpose?: string; file?: string } {
  const boundary = raw.slice(0, raw.indexOf("\r\n"));
  const out: Record<string, string> = {};
  for (const part of raw.split(boundary)) {
    const name = /name="([^"]+)"/.exec(part)?.[1];
    const at = part.indexOf("\r\n\r\n");
    if (name && at >= 0) out[name] = part.slice(at + 4).replace(/\r\n$/, "");
  }
  return out;
}
