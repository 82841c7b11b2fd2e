/**
 * The OpenAI Batch API's four requests, reduced to data: upload a JSONL file
 * (`POST /files`, purpose `batch`), create a batch of it (`POST /batches`),
 * read a batch's state (`GET /batches/{id}`) and download a file's content
 * (`GET /files/{id}/content`). Paths are relative to the provider's base URL,
 * its query (e.g. `?api-version=`) kept. No retries here: openai-batch.ts
 * decides what to try again.
 */
import type { Dispatcher } from "undici";
import type { ChatEndpoint } from "./openai-http.js";

/** A batch as `GET /batches/{id}` describes it (the fields dpo reads). */
export interface BatchState {
  id: string;
  status: string;
  output_file_id?: string | null;
  error_file_id?: string | null;
  errors?: { data?: { message?: string; line?: number | null }[] } | null;
}

/** One line of an output or error file. */
export interface BatchLine {
  custom_id: string;
  response?: { status_code?: number; body?: unknown } | null;
  error?: { code?: string; message?: string } | null;
}

export type BatchEndpoint = ChatEndpoint & { dispatcher: Dispatcher };

export class BatchHttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The statuses after which a batch changes no more. */
export const FINAL_STATUSES = new Set(["completed", "failed", "expired", "cancelled"]);

export async function uploadBatchFile(endpoint: BatchEndpoint, jsonl: string, signal: AbortSignal): Promise<string> {
  const boundary = `dpo-batch-${Date.now().toString(36)}`;
  const body =
    `--${boundary}\r\ncontent-disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
    `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="dpo-batch.jsonl"\r\ncontent-type: application/jsonl\r\n\r\n` +
    `${jsonl}\r\n--${boundary}--\r\n`;
  const file = await exchange(endpoint, "POST", "/files", signal, body, `multipart/form-data; boundary=${boundary}`);
  return idOf(file, "file upload");
}

export async function createBatch(endpoint: BatchEndpoint, inputFileId: string, signal: AbortSignal): Promise<string> {
  const body = JSON.stringify({ input_file_id: inputFileId, endpoint: "/v1/chat/completions", completion_window: "24h" });
  return idOf(await exchange(endpoint, "POST", "/batches", signal, body, "application/json"), "batch creation");
}

export async function getBatch(endpoint: BatchEndpoint, id: string, signal: AbortSignal): Promise<BatchState> {
  const state = JSON.parse(await exchange(endpoint, "GET", `/batches/${encodeURIComponent(id)}`, signal)) as BatchState;
  if (typeof state?.status !== "string") throw new BatchHttpError(`GET /batches/${id}: no status in the reply`);
  return state;
}

/** The lines of a file of JSON lines (an output or error file); lines that are not JSON are skipped. */
export async function downloadLines(endpoint: BatchEndpoint, fileId: string, signal: AbortSignal): Promise<BatchLine[]> {
  const text = await exchange(endpoint, "GET", `/files/${encodeURIComponent(fileId)}/content`, signal);
  const lines: BatchLine[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const parsed = JSON.parse(line) as BatchLine;
      if (typeof parsed?.custom_id === "string") lines.push(parsed);
    } catch {
      // A damaged line fails only its own call: that call gets no result.
    }
  }
  return lines;
}

/** `/v1/chat/completions?q` → `/v1{route}?q`. */
function routePath(endpoint: BatchEndpoint, route: string): string {
  const [path, query] = splitQuery(endpoint.path);
  return `${path.replace(/\/chat\/completions$/, "")}${route}${query}`;
}

function splitQuery(path: string): [string, string] {
  const at = path.indexOf("?");
  return at < 0 ? [path, ""] : [path.slice(0, at), path.slice(at)];
}

async function exchange(endpoint: BatchEndpoint, method: "GET" | "POST", route: string, signal: AbortSignal, body?: string, contentType?: string): Promise<string> {
  const headers: Record<string, string> = { ...endpoint.headers };
  for (const h of Object.keys(headers)) if (h.toLowerCase() === "content-type") delete headers[h];
  if (contentType) headers["content-type"] = contentType;
  let res: Dispatcher.ResponseData;
  try {
    res = await endpoint.dispatcher.request({ method, path: routePath(endpoint, route), headers, body, signal, headersTimeout: endpoint.timeoutMs, bodyTimeout: endpoint.timeoutMs });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new BatchHttpError(`${method} ${route}: network error: ${(err as Error)?.message ?? String(err)}`);
  }
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new BatchHttpError(`${method} ${route}: HTTP ${res.statusCode}: ${text.replace(/\s+/g, " ").trim().slice(0, 300)}`, res.statusCode);
  }
  return text;
}

function idOf(text: string, what: string): string {
  let id: unknown;
  try {
    id = (JSON.parse(text) as { id?: unknown }).id;
  } catch {
    // handled below
  }
  if (typeof id !== "string" || id === "") throw new BatchHttpError(`${what}: the reply has no id`);
  return id;
}
