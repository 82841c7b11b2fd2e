/**
 * What a stage publishes under out/. Each file goes into the object store the
 * moment it is published, and the stage keeps only its digest: an export of a
 * million pairs writes hundreds of megabytes of JSONL, which no stage should
 * hold until it ends. A file may be published as a stream of chunks, so it is
 * never whole in memory either.
 *
 * An object stored by a stage that then fails is referenced by nothing: out/
 * only changes when the stage succeeds, and `dpo gc` removes the object.
 */
import { sha256, type Digest } from "./hash.js";

/** A file's content: whole, or the chunks it is made of, in order. */
export type PublishedContent = string | Uint8Array | Iterable<string>;

/** What was stored for a published file. */
export interface PublishedFile {
  digest: Digest;
  bytes: number;
}

/** Where published files are stored: the project's object store (`ObjectStore`), or memory in plugin tests. */
export interface ObjectSink {
  put(data: string | Uint8Array): Digest;
  writer(): ObjectSinkWriter;
}

export interface ObjectSinkWriter {
  write(chunk: string): void;
  /** Bytes written so far. */
  readonly bytes: number;
  finish(): Digest;
  abort(): void;
}

/** Stores `content` in `sink`; a stream that throws leaves nothing behind. */
export function storeContent(sink: ObjectSink, content: PublishedContent): PublishedFile {
  if (typeof content === "string" || content instanceof Uint8Array) {
    const bytes = typeof content === "string" ? Buffer.from(content) : content; // encoded once, for the digest and the file
    return { digest: sink.put(bytes), bytes: bytes.byteLength };
  }
  const writer = sink.writer();
  try {
    for (const chunk of content) writer.write(chunk);
    return { digest: writer.finish(), bytes: writer.bytes };
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/** An object sink in memory, for plugin tests: `get` returns what was stored. */
export function memoryObjects(): ObjectSink & { get(digest: Digest): Buffer | undefined } {
  const objects = new Map<Digest, Buffer>();
  const put = (data: string | Uint8Array): Digest => {
    const buffer = Buffer.from(data);
    const digest = sha256(buffer);
    objects.set(digest, buffer);
    return digest;
  };
  return {
    put,
    get: (digest) => objects.get(digest),
    writer() {
      const chunks: Buffer[] = [];
      let bytes = 0;
      return {
        write(chunk) {
          const b = Buffer.from(chunk);
          chunks.push(b);
          bytes += b.length;
        },
        get bytes() {
          return bytes;
        },
        finish: () => put(Buffer.concat(chunks)),
        abort: () => void (chunks.length = 0),
      };
    },
  };
}
